//! The chaos suite: the whole pipeline — sweeps and CloudTrail events through the real ingest,
//! SQS on moto, the real `zonetrail up` writer process, MariaDB — under the faults a real
//! account produces, one scenario each and all together. Afterwards the inventory must equal
//! Route 53's truth exactly, history must hold one entry per real change, and the DLQ must hold
//! the poison messages and nothing else.
//!
//! Route 53 is the ingest's fake (`fake-route53`): it holds the corpus, answers a share of
//! calls with `Throttling`, and is changed while a sweep runs. Each scenario runs in a moto
//! account of its own with its own queues and database. Loopback only.
//!
//! Settings (environment): `ZONETRAIL_CHAOS_SCALE` (default 1) multiplies the corpus, the
//! changes and the writer kills — the long mode (docs/reliability.md); `ZONETRAIL_CHAOS_SEED`
//! repeats a run (every run prints its seed); `ZONETRAIL_CHAOS_OUTAGE_SECS` (default 30).

mod corpus;
mod delivery;
mod events;
mod mariadb;
mod verify;
mod writer;

use aws_config::BehaviorVersion;
use aws_sdk_route53::config::{Credentials, Region};
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::{Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use zonetrail_ingest::fake_route53::{FakeConfig, FakeRoute53, Faults as Route53Faults, ZoneSpec};
use zonetrail_ingest::sweep::NoProgress;
use zonetrail_ingest::{
    EventError, EventOutcome, IngestConfig, SqsQueue, State, SweepSettings, ingest_event, sweep_all,
};
use zonetrail_model::db::DbSettings;
use zonetrail_model::{HostedZone, Message, RecordKey, RecordName, RecordSet};

use crate::account::Account;
use corpus::Mutation;
use delivery::FaultyDelivery;
use mariadb::PrivateMariaDb;
use writer::Supervised;

/// Deliveries before SQS moves a message to the DLQ, as the CDK app sets it.
const MAX_RECEIVE_COUNT: u32 = 5;

#[derive(Clone, Copy, Default)]
struct Faults {
    /// Every message delivered 1–3 times, in random order.
    duplicates: bool,
    /// SIGKILLs of the writer while it holds a batch.
    kills: u32,
    /// The database killed and restarted after `ZONETRAIL_CHAOS_OUTAGE_SECS`.
    db_outage: bool,
    /// Share of Route 53 calls answered `Throttling`.
    throttle: f64,
    /// Records created, changed and deleted while the second sweep runs (with their events);
    /// otherwise between the sweeps.
    changes_during_sweep: bool,
    /// Undecodable and contract-breaking messages on the queue, malformed events at the ingest.
    poison: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_message_delivered_one_to_three_times_in_random_order() {
    run("duplicates", Faults { duplicates: true, ..Faults::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_writer_killed_mid_batch() {
    run("kills", Faults { kills: 3, ..Faults::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_stopped_and_restarted() {
    run("outage", Faults { db_outage: true, ..Faults::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn route53_answers_thirty_percent_throttling() {
    run("throttling", Faults { throttle: 0.3, ..Faults::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn records_change_during_the_sweep() {
    run("changes", Faults { changes_during_sweep: true, ..Faults::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_messages_end_in_the_dlq() {
    run("poison", Faults { poison: true, ..Faults::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_at_once() {
    run(
        "all",
        Faults {
            duplicates: true,
            kills: 3,
            db_outage: true,
            throttle: 0.3,
            changes_during_sweep: true,
            poison: true,
        },
    )
    .await;
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

async fn run(name: &str, faults: Faults) {
    let started = Instant::now();
    let seed = env_number("ZONETRAIL_CHAOS_SEED", rand::random::<u32>() as u64);
    let scale = env_number("ZONETRAIL_CHAOS_SCALE", 1).max(1) as usize;
    let outage_secs = env_number("ZONETRAIL_CHAOS_OUTAGE_SECS", 30);
    println!("chaos {name}: seed {seed} (ZONETRAIL_CHAOS_SEED={seed} repeats it), scale {scale}");
    let mut rng = StdRng::seed_from_u64(seed);

    // SQS: the records queue with its DLQ, as deployed.
    let account = Account::new().await;
    let suffix = format!("{name}-{seed}");
    let dlq_url = account.create_queue(&format!("chaos-dlq-{suffix}")).await;
    let dlq_arn = account
        .sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes")
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("the DLQ's ARN");
    let queue_url = account
        .sqs
        .create_queue()
        .queue_name(format!("chaos-{suffix}"))
        .attributes(QueueAttributeName::RedrivePolicy, json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT.to_string()}).to_string())
        .attributes(QueueAttributeName::VisibilityTimeout, "30")
        .send()
        .await
        .expect("CreateQueue")
        .queue_url()
        .expect("a queue URL")
        .to_owned();

    // The database: the shared MariaDB, or one of our own when the scenario stops it.
    let (private_db, shared_db, db_url) = if faults.db_outage {
        let db = PrivateMariaDb::start().await;
        let url = db.url();
        (Some(db), None, url)
    } else {
        let db = zonetrail_model::testing::mysql_db().await;
        let url = db.url.clone();
        (None, Some(db), url)
    };

    // Route 53: the corpus, which is the truth.
    let fake = FakeRoute53::start(FakeConfig { seed, ..FakeConfig::default() })
        .await
        .expect("start the fake Route 53");
    let sizes: Vec<usize> = [1500, 900, 450, 150].iter().map(|s| s * scale).collect();
    let mut truth: BTreeMap<RecordKey, RecordSet> = BTreeMap::new();
    let mut zones: Vec<HostedZone> = Vec::new();
    for plan in corpus::zones(&mut rng, &sizes) {
        let spec = match &plan.private {
            Some(vpcs) => ZoneSpec::private(&plan.name, vpcs.clone()),
            None => ZoneSpec::public(&plan.name),
        };
        let id = fake.create_zone(spec);
        fake.add_record_sets(&id, plan.records.clone());
        truth.extend(plan.records.iter().map(|r| (r.key(&id), r.clone())));
        let vpcs = plan.private.clone().unwrap_or_default();
        zones.push(HostedZone {
            id,
            name: RecordName::parse(&plan.name).unwrap(),
            private: plan.private.is_some(),
            comment: None,
            vpcs,
            record_count: None,
        });
    }
    let mut expected: BTreeMap<RecordKey, Vec<&'static str>> =
        truth.keys().map(|k| (k.clone(), vec!["create"])).collect();

    // The ingest, in process, through the delivery faults onto SQS.
    let route53_sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(fake.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "chaos"))
        .load()
        .await;
    let delivery = Arc::new(FaultyDelivery::new(
        SqsQueue::new(
            account.sqs.clone(),
            &queue_url,
            zonetrail_ingest::config::DEFAULT_MAX_MESSAGE_BYTES,
        ),
        faults.duplicates,
        StdRng::seed_from_u64(seed ^ 0x5eed),
    ));
    let ingest = |rps: f64| {
        let sweep = SweepSettings {
            route53_rps: rps,
            record_page_size: 100,
            backoff_base: Duration::from_millis(20),
            backoff_cap: Duration::from_millis(500),
            ..SweepSettings::default()
        };
        Arc::new(State::own_account(
            &route53_sdk,
            IngestConfig { sweep, ..IngestConfig::default() },
            delivery.clone(),
            zonetrail_model::AccountId::parse("123456789012").unwrap(),
        ))
    };
    let (fast, paced) = (ingest(40.0), ingest(zonetrail_ingest::config::DEFAULT_ROUTE53_RPS));

    // The writer: `zonetrail up`, supervised.
    let log_dir = std::env::temp_dir().join(format!("zonetrail-chaos-{suffix}"));
    std::fs::create_dir_all(&log_dir).unwrap();
    let mut env = account.env();
    env.extend([
        ("DATABASE_URL".to_owned(), db_url.clone()),
        ("ZONETRAIL_QUEUE_URL".to_owned(), queue_url.clone()),
        ("RUST_LOG".to_owned(), "warn".to_owned()),
        ("NO_COLOR".to_owned(), "1".to_owned()),
    ]);
    let writer = Arc::new(Supervised::start(env, log_dir.join("writer.log")));

    // Poison: on the queue directly, and malformed events at the ingest (which must send nothing).
    let poison = if faults.poison { poison_bodies(&zones[0].id, name) } else { Vec::new() };
    if faults.poison {
        account.send_all(&queue_url, &poison).await;
        for event in events::malformed_events() {
            let before = delivery.produced.load(Ordering::SeqCst);
            match ingest_event(&fast, &event).await {
                Err(EventError::Malformed(_)) => {}
                other => panic!("a malformed event must be rejected, got {other:?} for {event}"),
            }
            assert_eq!(
                delivery.produced.load(Ordering::SeqCst),
                before,
                "a malformed event sent something"
            );
        }
    }

    // The faults that run beside the pipeline.
    let killer = (faults.kills > 0).then(|| {
        let (writer, sqs, url, kills) =
            (writer.clone(), account.sqs.clone(), queue_url.clone(), faults.kills * scale as u32);
        let mut rng = StdRng::seed_from_u64(seed ^ 0xdead);
        tokio::spawn(async move {
            for _ in 0..kills {
                tokio::time::sleep(Duration::from_millis(rng.random_range(1500..4000))).await;
                // Mid-batch: the writer holds received messages it has not deleted yet.
                let deadline = Instant::now() + Duration::from_secs(20);
                while in_flight(&sqs, &url).await == 0 && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                writer.kill().await;
            }
        })
    });
    let outage = private_db.map(|mut db| {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            db.kill().await;
            tokio::time::sleep(Duration::from_secs(outage_secs)).await;
            db.restart().await;
            db
        })
    });
    if faults.throttle > 0.0 {
        fake.set_faults(Route53Faults { throttle: faults.throttle, ..Route53Faults::default() });
    }

    // Sweep, change Route 53 (during the second sweep, or before it), sweep again.
    let first = sweep_all(&fast, &NoProgress).await.expect("the first sweep").total;
    assert!(first.failures.is_empty(), "the first sweep failed zones: {:?}", first.failures);
    let mutations = corpus::mutations(&mut rng, &truth, 60 * scale);
    let (second, during) = if faults.changes_during_sweep {
        let sweep = {
            let paced = paced.clone();
            tokio::spawn(async move { sweep_all(&paced, &NoProgress).await.map(|r| r.total) })
        };
        let during = change_route53(&fake, &paced, &mutations, Some(&sweep)).await;
        (sweep.await.unwrap(), during)
    } else {
        change_route53(&fake, &fast, &mutations, None).await;
        (sweep_all(&fast, &NoProgress).await.map(|r| r.total), 0)
    };
    let second = second.expect("the second sweep");
    assert!(second.failures.is_empty(), "the second sweep failed zones: {:?}", second.failures);
    if faults.changes_during_sweep {
        assert!(
            during * 2 >= mutations.len(),
            "only {during} of {} changes happened during the sweep",
            mutations.len()
        );
    }
    for m in &mutations {
        let (zone, record) = m.parts();
        match m {
            Mutation::Create(..) => {
                truth.insert(m.key(), record.clone());
                expected.insert(m.key(), vec![m.action()]);
            }
            Mutation::Change(..) => {
                truth.insert(record.key(zone), record.clone());
                expected.get_mut(&m.key()).expect("a changed key existed").push(m.action());
            }
            Mutation::Delete(..) => {
                truth.remove(&m.key());
                expected.get_mut(&m.key()).expect("a deleted key existed").push(m.action());
            }
        }
    }
    delivery.flush().await.expect("release the held-back messages");
    fake.set_faults(Route53Faults::default());
    let throttled = fake.stats().injected_throttling;
    if let Some(killer) = killer {
        killer.await.unwrap();
    }
    let _private_db = match outage {
        Some(task) => Some(task.await.unwrap()),
        None => None,
    };

    // Wait for the writer to apply everything (or give up on the poison).
    let settle_limit = Duration::from_secs(420 * scale as u64);
    let settled = settle(&account, &queue_url, settle_limit).await;
    let writer = Arc::into_inner(writer).expect("no one else holds the writer");
    let (starts, kills) =
        (writer.starts.load(Ordering::SeqCst), writer.kills.load(Ordering::SeqCst));
    let log = writer.log.clone();
    writer.shutdown().await;
    let log_tail = || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    assert!(
        settled,
        "the queue did not drain within {settle_limit:?}; writer log {}:\n{}",
        log.display(),
        log_tail()
    );

    let db = DbSettings::from_url(db_url.clone())
        .connect()
        .await
        .expect("connect to check the inventory");
    let mut findings = verify::Findings::default();
    verify::inventory(&db, &truth, &mut findings).await;
    verify::zones(&db, &zones, &mut findings).await;
    verify::history(&db, &expected, &mut findings).await;
    verify::dead_letters(account.take_all(&dlq_url).await, poison.clone(), &mut findings);
    drop(shared_db);

    println!(
        "chaos {name}: {} zones, {} record sets now ({} changes, {during} during the sweep), {} bodies produced, {} delivered, \
         {throttled} Route 53 calls throttled, writer started {starts} times and killed {kills} times, {} poison, \
         database outage {}, {:.0} s",
        zones.len(),
        truth.len(),
        mutations.len(),
        delivery.produced.load(Ordering::SeqCst),
        delivery.delivered.load(Ordering::SeqCst),
        poison.len(),
        if faults.db_outage { format!("{outage_secs} s") } else { "none".into() },
        started.elapsed().as_secs_f64()
    );
    if faults.kills > 0 {
        assert!(kills >= faults.kills, "the writer was killed only {kills} times");
    }
    assert!(
        findings.0.is_empty(),
        "chaos {name} (seed {seed}) broke the guarantees:\n  {}\nwriter log {}:\n{}",
        findings.0.join("\n  "),
        log.display(),
        log_tail()
    );
    let _ = std::fs::remove_dir_all(&log_dir);
}

/// Make the changes in Route 53 and ingest their CloudTrail events. Changes happen early in a
/// second (20–300 ms past it): CloudTrail's event time keeps whole seconds and counts as the
/// end of that second, so a sweep page read just before a change is always older than its
/// event. Returns how many happened while `sweep` was still running.
async fn change_route53(
    fake: &FakeRoute53,
    ingest: &State,
    mutations: &[Mutation],
    sweep: Option<
        &tokio::task::JoinHandle<
            Result<zonetrail_ingest::SweepReport, zonetrail_ingest::SweepError>,
        >,
    >,
) -> usize {
    let mut during = 0;
    for (round, chunk) in mutations.chunks(mutations.len().div_ceil(6).max(1)).enumerate() {
        let now = Utc::now();
        let ms = now.nanosecond() / 1_000_000;
        let wait = if (20..300).contains(&ms) { 0 } else { (1000 + 20 - ms) % 1000 };
        tokio::time::sleep(Duration::from_millis(u64::from(wait))).await;
        let mut pending = Vec::new();
        for (i, m) in chunk.iter().enumerate() {
            let (zone, record) = m.parts();
            match m {
                Mutation::Create(..) | Mutation::Change(..) => {
                    fake.add_record_sets(zone, [record.clone()])
                }
                Mutation::Delete(..) => assert!(
                    fake.delete_record_set(zone, &m.key()),
                    "deleting {:?} from the fake",
                    m.key()
                ),
            }
            pending.push(events::change_event(
                m,
                &format!("chaos-{round}-{i}-{}", rand::random::<u32>()),
                Utc::now(),
            ));
        }
        if sweep.is_some_and(|s| !s.is_finished()) {
            during += chunk.len();
        }
        for event in pending {
            match ingest_event(ingest, &event).await {
                Ok(EventOutcome::Applied { messages: 1, sweep: None, .. }) => {}
                other => panic!(
                    "the event of a change must queue one message, got {other:?} for {event}"
                ),
            }
        }
        // Spread the changes over the sweep (about 9 s for the corpus at 4 requests/s).
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    during
}

async fn in_flight(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await;
    out.ok()
        .and_then(|o| {
            o.attributes()
                .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// True once the queue has held nothing, visible or in flight, for three seconds running.
async fn settle(account: &Account, url: &str, limit: Duration) -> bool {
    let started = Instant::now();
    let mut quiet = 0;
    while started.elapsed() < limit {
        let (visible, in_flight) = account.queue_depth(url).await;
        quiet = if visible == 0 && in_flight == 0 { quiet + 1 } else { 0 };
        if quiet >= 3 {
            return true;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    false
}

/// Bodies the writer can never apply: not JSON, another version, a kind that does not exist,
/// a bad name, a time in the future. Each names the scenario so it is told apart in the DLQ.
fn poison_bodies(zone: &zonetrail_model::ZoneId, scenario: &str) -> Vec<String> {
    let valid = Message::Records(zonetrail_model::RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: zone.clone(),
        observed_at: Utc::now(),
        origin: zonetrail_model::Origin::Event {
            backfill: false,
            event_id: format!("poison-{scenario}"),
            event_name: "ChangeResourceRecordSets".into(),
            actor: None,
            actor_role: None,
            comment: None,
        },
        upserts: Vec::new(),
        deletes: Vec::new(),
    })
    .to_json();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&valid).unwrap();
        f(&mut v);
        v.to_string()
    };
    vec![
        format!("this is not JSON ({scenario}) {{"),
        with(&|v| v["v"] = json!(2)),
        with(&|v| v["kind"] = json!("teleport")),
        with(&|v| {
            v["upserts"] =
                json!([{"name": "a..b.example.", "type": "A", "ttl": 60, "values": ["192.0.2.1"]}])
        }),
        with(&|v| v["observed_at"] = json!("2999-01-01T00:00:00.000000Z")),
        json!({"v": 1, "kind": "records", "scenario": scenario}).to_string(),
    ]
}
