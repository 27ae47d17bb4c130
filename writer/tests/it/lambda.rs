//! The Lambda handler: partial batch failures, poison messages and a database outage.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use lambda_runtime::{Context, LambdaEvent};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::json;
use std::time::Duration;
use zonetrail_model::db::DbSettings;
use zonetrail_model::testing::Backend;
use zonetrail_model::{Message, RecordSet};
use zonetrail_writer::lambda::{DEFAULT_CONCURRENCY, State, apply_batch, handle};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    a_poison_message_never_holds_back_the_others,
    a_database_outage_mid_batch_fails_the_rest_and_a_redelivery_applies_them,
    messages_of_one_zone_applied_at_once_end_as_in_order,
);

fn sqs_event(bodies: &[(&str, Option<String>)]) -> SqsEvent {
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
    serde_json::from_value(json!({ "Records": records })).expect("a valid SQS event")
}

async fn a_poison_message_never_holds_back_the_others(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let good1 = event(&zone, t(1), "e1", vec![rec("a", None, "192.0.2.1")], vec![]).to_json();
    let good2 = page(&zone, t(2), "s1", 0, vec![rec("b", None, "192.0.2.2")]).to_json();
    let ambiguous = event(
        &zone,
        t(3),
        "e3",
        vec![rec("c", None, "192.0.2.1"), rec("c", None, "192.0.2.2")],
        vec![],
    )
    .to_json();
    let incomplete = done(&zone, "s-other", t(0), t(4), 3, 900).to_json();
    let event = sqs_event(&[
        ("m1", Some(good1)),
        ("m2", Some("{\"v\":1,\"kind\":\"records\",\"zone_id\":\"not a zone\"}".into())),
        ("m3", Some(good2)),
        ("m4", Some(ambiguous)),
        ("m5", None),
        ("m6", Some(incomplete)),
        // An account id that is not twelve digits: a decode error, like m2.
        (
            "m7",
            Some(
                event(&zone, t(5), "e5", vec![rec("d", None, "192.0.2.4")], vec![])
                    .to_json()
                    .replacen("{\"v\":1,", "{\"v\":1,\"account_id\":\"1234\",", 1),
            ),
        ),
    ]);
    let state = State {
        findings: None,
        db: db.conn.clone(),
        emit_metrics: false,
        concurrency: DEFAULT_CONCURRENCY,
        options: Default::default(),
        notify: None,
    };
    let response = handle(&state, LambdaEvent::new(event, Context::default()))
        .await
        .expect("the handler reports failures, it does not fail");
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m4"}, {"itemIdentifier": "m5"}, {"itemIdentifier": "m6"}, {"itemIdentifier": "m7"}]})
    );
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.record("a", None).deleted_at, None);
    assert_eq!(snap.record("b", None).deleted_at, None);
    assert_eq!(snap.records.len(), 2, "the ambiguous message wrote nothing");
}

/// A batch of messages large enough that applying it takes a while.
fn big_batch(zone: &zonetrail_model::ZoneId, messages: usize) -> Vec<Message> {
    (0..messages)
        .map(|m| {
            let records: Vec<RecordSet> = (0..300)
                .map(|i| rec(&format!("h{m}-{i}"), None, &format!("10.0.{}.{}", m % 250, i % 250)))
                .collect();
            page(zone, t(m as i64), "s1", m as u32, records)
        })
        .collect()
}

fn sqs_messages(messages: &[Message]) -> Vec<SqsMessage> {
    let bodies: Vec<(String, Option<String>)> =
        messages.iter().enumerate().map(|(i, m)| (format!("m{i}"), Some(m.to_json()))).collect();
    let refs: Vec<(&str, Option<String>)> =
        bodies.iter().map(|(id, b)| (id.as_str(), b.clone())).collect();
    sqs_event(&refs).records
}

/// Makes the writer's database unavailable and available again.
enum Outage {
    /// MariaDB: the writer logs in as its own user; the outage revokes its grants and kills its connections.
    MySql { admin: DatabaseConnection, user: String, database: String },
    /// SQLite: another connection holds the write lock (the writer's busy timeout is short,
    /// but longer than one message of 300 record sets holds the lock in a debug build).
    Sqlite { holder: DatabaseConnection },
}

impl Outage {
    async fn writer_pool(
        backend: Backend,
        test: &zonetrail_model::testing::TestDb,
    ) -> (DatabaseConnection, Outage) {
        match backend {
            Backend::MySql => {
                let database = test.url.rsplit('/').next().unwrap().to_owned();
                let user = format!("w{}", &database[database.len().saturating_sub(20)..])
                    .replace('-', "_");
                let admin = test.conn.clone();
                admin
                    .execute_unprepared(&format!(
                        "CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY 'pw'"
                    ))
                    .await
                    .unwrap();
                admin
                    .execute_unprepared(&format!(
                        "GRANT ALL ON `{database}`.* TO '{user}'@'127.0.0.1'"
                    ))
                    .await
                    .unwrap();
                let server = zonetrail_model::testing::mysql_server_url()
                    .replace("root@", &format!("{user}:pw@"));
                let mut settings =
                    DbSettings::from_url(format!("{}/{database}", server.trim_end_matches('/')));
                settings.max_connections = 2;
                (settings.connect().await.unwrap(), Outage::MySql { admin, user, database })
            }
            Backend::Sqlite => {
                let mut opts = ConnectOptions::new(test.url.clone());
                opts.max_connections(2).sqlx_logging(false).map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .busy_timeout(Duration::from_secs(2))
                });
                let writer = Database::connect(opts).await.unwrap();
                let mut opts = ConnectOptions::new(test.url.clone());
                opts.max_connections(1)
                    .sqlx_logging(false)
                    .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::from_secs(30)));
                (writer, Outage::Sqlite { holder: Database::connect(opts).await.unwrap() })
            }
        }
    }

    async fn start(&self) {
        match self {
            Outage::MySql { admin, user, database } => {
                admin
                    .execute_unprepared(&format!(
                        "REVOKE ALL PRIVILEGES ON `{database}`.* FROM '{user}'@'127.0.0.1'"
                    ))
                    .await
                    .unwrap();
                let rows = admin
                    .query_all_raw(sea_orm::Statement::from_string(
                        admin.get_database_backend(),
                        format!(
                            "SELECT id FROM information_schema.processlist WHERE user = '{user}'"
                        ),
                    ))
                    .await
                    .unwrap();
                for r in rows {
                    let id: i64 = r
                        .try_get_by_index::<u64>(0)
                        .map(|v| v as i64)
                        .or_else(|_| r.try_get_by_index::<i64>(0))
                        .unwrap();
                    let _ = admin.execute_unprepared(&format!("KILL {id}")).await;
                }
            }
            Outage::Sqlite { holder } => {
                holder.execute_unprepared("BEGIN EXCLUSIVE").await.unwrap();
            }
        }
    }

    async fn end(&self) {
        match self {
            Outage::MySql { admin, user, database } => {
                admin
                    .execute_unprepared(&format!(
                        "GRANT ALL ON `{database}`.* TO '{user}'@'127.0.0.1'"
                    ))
                    .await
                    .unwrap();
            }
            Outage::Sqlite { holder } => {
                holder.execute_unprepared("ROLLBACK").await.unwrap();
            }
        }
    }

    async fn drop_user(&self) {
        if let Outage::MySql { admin, user, .. } = self {
            let _ = admin.execute_unprepared(&format!("DROP USER '{user}'@'127.0.0.1'")).await;
        }
    }
}

async fn applied_pages(db: &DatabaseConnection) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM sweep_pages".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn a_database_outage_mid_batch_fails_the_rest_and_a_redelivery_applies_them(
    backend: Backend,
) {
    let test = migrated(backend).await;
    let zone = fresh_zone();
    let (writer, outage) = Outage::writer_pool(backend, &test).await;
    let messages = big_batch(&zone, 40);
    let batch = sqs_messages(&messages);

    let task = {
        let writer = writer.clone();
        let batch = batch.clone();
        tokio::spawn(async move { apply_batch(&writer, &batch, DEFAULT_CONCURRENCY).await })
    };
    // Take the database away once the first message is in.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while applied_pages(&test.conn).await < 1 {
        assert!(std::time::Instant::now() < deadline, "the first message never got applied");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    outage.start().await;
    let (response, metrics) = task
        .await
        .expect("the batch does not panic")
        .expect("an outage fails messages, not the invocation");
    let failed: Vec<String> =
        response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
    assert!(!failed.is_empty(), "the outage came too late: the whole batch was applied before it");
    assert!(failed.len() < batch.len(), "the first message was applied before the outage");
    assert_eq!(metrics.messages_failed as usize, failed.len());
    outage.end().await;

    // Every message not reported failed is in the database.
    let snap = snapshot(&test.conn, &zone).await;
    for (i, m) in messages.iter().enumerate() {
        let Message::Records(r) = m else { unreachable!() };
        let present = r
            .upserts
            .iter()
            .filter(|u| {
                snap.records.contains_key(&(
                    u.name.as_str().to_owned(),
                    "A".to_owned(),
                    String::new(),
                ))
            })
            .count();
        if failed.contains(&format!("m{i}")) {
            assert!(present == 0 || present == 300, "message {i} was half applied");
        } else {
            assert_eq!(present, 300, "message m{i} was reported applied but is missing");
        }
    }

    // SQS delivers the failed ones again: now they apply.
    let retry: Vec<SqsMessage> =
        batch.iter().filter(|m| failed.contains(m.message_id.as_ref().unwrap())).cloned().collect();
    let (response, _) = apply_batch(&writer, &retry, DEFAULT_CONCURRENCY).await.unwrap();
    assert!(
        response.batch_item_failures.is_empty(),
        "after recovery every message applies: {:?}",
        response.batch_item_failures
    );
    let snap = snapshot(&test.conn, &zone).await;
    assert_eq!(snap.records.len(), 40 * 300);
    assert_eq!(snap.history_len(), 40 * 300);
    writer.close().await.ok();
    outage.drop_user().await;
}

/// Batches applied several messages at a time, several batches at once (as concurrent Lambda
/// instances do), with duplicates: the zone ends exactly as when every message is applied
/// alone, in order. On MariaDB this is where deadlocks, lock waits and two messages creating
/// the same record at once happen; the writer resolves them by trying again.
async fn messages_of_one_zone_applied_at_once_end_as_in_order(backend: Backend) {
    let test = migrated(backend).await;
    let (zone, reference) = (fresh_zone(), fresh_zone());
    let host = |i: usize| format!("h{i}");
    let messages = |z: &zonetrail_model::ZoneId| -> Vec<Message> {
        let mut out = Vec::new();
        // Two sweeps of 8 pages; the pages' records interleave in name order, and the
        // second sweep changes every fifth record and drops every seventh.
        for (s, start) in [("s1", 10), ("s2", 100)] {
            for p in 0..8usize {
                let records: Vec<RecordSet> = (0..120)
                    .map(|j| j * 8 + p)
                    .filter(|i| s == "s1" || i % 7 != 0)
                    .map(|i| {
                        rec(
                            &host(i),
                            None,
                            &format!(
                                "10.0.{}.{}",
                                if s == "s2" && i % 5 == 0 { 1 } else { 0 },
                                i % 250
                            ),
                        )
                    })
                    .collect();
                out.push(page(z, t(start + p as i64), s, p as u32, records));
            }
            let total = (0..960).filter(|i| s == "s1" || i % 7 != 0).count() as u64;
            out.push(done(z, s, t(start - 1), t(start + 9), 8, total));
        }
        // Events on records both sweeps list, between and during the sweeps.
        for e in 0..20usize {
            let i = e * 13;
            let at = if e % 2 == 0 { 50 + e as i64 } else { 103 };
            out.push(event(
                z,
                t(at),
                &format!("e{e}"),
                vec![rec(&host(i), None, "192.0.2.77")],
                vec![],
            ));
        }
        out
    };
    let mut in_order = messages(&reference);
    in_order.sort_by_key(|m| (m.observed_at(), matches!(m, Message::SweepDone(_))));
    deliver(&test.conn, &in_order, &zonetrail_writer::ApplyOptions::default()).await.unwrap();
    let want = snapshot(&test.conn, &reference).await;

    // Shuffled, some twice, in batches of 10 applied 4 messages at a time, 3 batches at once;
    // what fails (a sweep_done before its pages) comes back in a later round, as from SQS.
    let mut pending = messages(&zone);
    let dup: Vec<Message> = pending.iter().step_by(5).cloned().collect();
    pending.extend(dup);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for i in (1..pending.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        pending.swap(i, (state % (i as u64 + 1)) as usize);
    }
    for _round in 0..10 {
        if pending.is_empty() {
            break;
        }
        let batches: Vec<Vec<SqsMessage>> = pending.chunks(10).map(sqs_messages).collect();
        let tasks: Vec<_> = batches
            .into_iter()
            .map(|batch| {
                let db = test.conn.clone();
                tokio::spawn(async move {
                    let (response, _) =
                        apply_batch(&db, &batch, DEFAULT_CONCURRENCY).await.unwrap();
                    let failed: Vec<String> = response
                        .batch_item_failures
                        .iter()
                        .map(|f| f.item_identifier.clone())
                        .collect();
                    batch
                        .into_iter()
                        .filter(|m| failed.contains(m.message_id.as_ref().unwrap()))
                        .map(|m| m.body.unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut again = Vec::new();
        for task in tasks {
            again.extend(task.await.unwrap());
        }
        pending = again.iter().map(|b| Message::from_json(b).unwrap()).collect();
    }
    assert!(pending.is_empty(), "{} messages never applied", pending.len());
    assert_eq!(snapshot(&test.conn, &zone).await, want);
}
