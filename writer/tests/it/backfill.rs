//! The backfill (issue 17) as the writer sees it: `backfill_progress` kept at its most
//! advanced, `before_unknown` (a record first known from a Route 53 `UPSERT` is changed, not
//! created), `via` (the same event live and backfilled is one history entry), the writer
//! function's direct `backfill_windows` invocation, and a property test: real CloudTrail
//! events, decoded by the ingest's decoder, delivered live, backfilled or both, in any order,
//! end in the same records and history as in-order live delivery.

use chrono::Duration;
use lambda_runtime::{Context, LambdaEvent};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;
use zonetrail_ingest::event::{Decoded, decode_event};
use zonetrail_model::entity::{record_changes, record_sets};
use zonetrail_model::testing::Backend;
use zonetrail_model::{
    AccountId, BackfillCounts, BackfillProgress, Message, Origin, RecordSet, Timestamp, ZoneId,
};
use zonetrail_writer::lambda::{DEFAULT_CONCURRENCY, State, handle_invocation};
use zonetrail_writer::{ApplyError, ApplyOptions, apply, backfill};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    progress_in_any_order_with_duplicates_ends_at_the_most_advanced,
    bad_progress_is_poison_and_changes_nothing,
    an_upsert_first_is_a_change_whose_before_is_unknown,
    an_upsert_after_a_known_delete_is_a_create,
    an_upsert_after_a_reconciliation_that_missed_the_key_is_a_create,
    a_sweep_first_then_a_backfilled_older_upsert,
    one_event_live_and_backfilled_is_one_entry_with_the_first_paths_via,
    the_writer_function_answers_backfill_windows,
);

// Builders.

/// The message's upserts were Route 53 UPSERTs (as the decoder marks them).
fn upserted(m: Message) -> Message {
    let mut m = m;
    if let Message::Records(r) = &mut m {
        r.before_unknown = true;
    }
    m
}

/// The message as the backfill sends it: its event origin read from CloudTrail's history.
fn backfilled(m: Message) -> Message {
    let mut m = m;
    let origin = match &mut m {
        Message::Records(r) => &mut r.origin,
        Message::Zone(z) => &mut z.origin,
        _ => return m,
    };
    if let Origin::Event { backfill, .. } = origin {
        *backfill = true;
    }
    m
}

fn progress(
    account: &AccountId,
    id: &str,
    pages: u64,
    done: bool,
    observed_at: Timestamp,
) -> BackfillProgress {
    let since = t(0) - Duration::days(90);
    let until = t(0);
    BackfillProgress {
        account_id: account.clone(),
        backfill_id: id.into(),
        since,
        until,
        // Newest first: each page reads a day further back.
        read_until: if done { since } else { until - Duration::days(pages as i64) },
        next_token: (!done).then(|| format!("token-after-page-{pages}")),
        done,
        pages,
        counts: BackfillCounts {
            events: pages * 50,
            applied: pages * 40,
            failed_calls: pages,
            incomplete: 0,
            malformed: 0,
            ignored: pages * 9,
        },
        observed_at,
    }
}

/// One history entry with every column a user sees (not `id`, `recorded_at` nor the
/// record-id-bound `dedup_key`), by record key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    key: (String, String),
    observed_at: Timestamp,
    action: String,
    source: String,
    actor: Option<String>,
    event_id: Option<String>,
    sweep_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    before_unknown: bool,
}

/// The zone's history, and each entry's `via`.
async fn history(db: &DatabaseConnection, zone: &ZoneId) -> Vec<(Entry, Option<String>)> {
    let records: BTreeMap<i64, (String, String)> = record_sets::Entity::find()
        .filter(record_sets::Column::ZoneId.eq(zone.as_str()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, (r.name, r.set_identifier)))
        .collect();
    let mut out: Vec<(Entry, Option<String>)> = record_changes::Entity::find()
        .filter(record_changes::Column::ZoneId.eq(zone.as_str()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            let entry = Entry {
                key: records[&c.record_id].clone(),
                observed_at: c.observed_at,
                action: c.action,
                source: c.source,
                actor: c.actor,
                event_id: c.event_id,
                sweep_id: c.sweep_id,
                before: c.before_state,
                after: c.after_state,
                before_unknown: c.before_unknown,
            };
            (entry, c.via)
        })
        .collect();
    out.sort();
    out
}

/// (time, action, before is set, before_unknown) of one record's history.
async fn actions(
    db: &DatabaseConnection,
    zone: &ZoneId,
    name: &str,
) -> Vec<(Timestamp, String, bool, bool)> {
    history(db, zone)
        .await
        .into_iter()
        .filter(|(e, _)| e.key.0 == format!("{name}.example.com."))
        .map(|(e, _)| (e.observed_at, e.action, e.before.is_some(), e.before_unknown))
        .collect()
}

// backfill_progress.

async fn progress_in_any_order_with_duplicates_ends_at_the_most_advanced(backend: Backend) {
    let db = migrated(backend).await;
    let account = fresh_account();
    let p = |pages, done, at| Message::BackfillProgress(progress(&account, "w1", pages, done, at));
    let last = progress(&account, "w1", 4, true, t(40));
    // Pages 1 to 3, then done; delivered out of order with duplicates, the final one early.
    let order = [
        p(2, false, t(20)),
        p(1, false, t(10)),
        Message::BackfillProgress(last.clone()),
        p(3, false, t(30)),
        p(2, false, t(20)),
        Message::BackfillProgress(last.clone()),
        p(1, false, t(10)),
    ];
    for (i, m) in order.iter().enumerate() {
        ok(&db.conn, m).await;
        let windows = backfill::windows(&db.conn, &account).await.unwrap();
        assert_eq!(windows.len(), 1, "one row per window, after message {i}");
        if i == 0 {
            assert_eq!(windows[0], progress(&account, "w1", 2, false, t(20)));
        }
        if i >= 2 {
            assert_eq!(windows[0], last, "after message {i}: the done window stays");
        }
    }
    assert_eq!(backfill::windows(&db.conn, &account).await.unwrap()[0].next_token, None);
    // A second window, and another account's, are rows of their own.
    ok(&db.conn, &Message::BackfillProgress(progress(&account, "w2", 1, false, t(50)))).await;
    let other = fresh_account();
    ok(&db.conn, &Message::BackfillProgress(progress(&other, "w1", 1, false, t(50)))).await;
    let windows = backfill::windows(&db.conn, &account).await.unwrap();
    let ids: Vec<&str> = windows.iter().map(|w| w.backfill_id.as_str()).collect();
    assert_eq!(ids, ["w1", "w2"]);
    assert_eq!(windows[0], last);
}

async fn bad_progress_is_poison_and_changes_nothing(backend: Backend) {
    let db = migrated(backend).await;
    let account = fresh_account();
    let good = progress(&account, "w1", 2, false, t(20));
    ok(&db.conn, &Message::BackfillProgress(good.clone())).await;
    let mut outside = progress(&account, "w1", 3, false, t(30));
    outside.read_until = outside.until + Duration::seconds(1);
    let mut before_since = progress(&account, "w1", 3, false, t(30));
    before_since.read_until = before_since.since - Duration::seconds(1);
    let mut backwards = progress(&account, "w1", 3, false, t(30));
    backwards.since = backwards.until + Duration::days(1);
    let mut no_id = progress(&account, "w1", 3, false, t(30));
    no_id.backfill_id = String::new();
    for (what, bad) in [
        ("read_until after the window", outside),
        ("read_until before the window", before_since),
        ("since after until", backwards),
        ("empty backfill id", no_id),
    ] {
        match apply(&db.conn, &Message::BackfillProgress(bad)).await {
            Err(e @ ApplyError::Invalid(_)) => {
                assert!(!e.is_retryable(), "{what}: poison, not retried")
            }
            other => panic!("{what}: expected an invalid message, got {other:?}"),
        }
    }
    assert_eq!(backfill::windows(&db.conn, &account).await.unwrap(), vec![good]);
}

// before_unknown.

async fn an_upsert_first_is_a_change_whose_before_is_unknown(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    // One change batch: an UPSERT of www, a CREATE of api (the decoder's two messages).
    ok(&db.conn, &upserted(event(&zone, t(10), "e1", vec![rec("www", None, "192.0.2.1")], vec![])))
        .await;
    ok(&db.conn, &event(&zone, t(10), "e1", vec![rec("api", None, "192.0.2.2")], vec![])).await;
    // A later UPSERT of www is a plain update.
    ok(&db.conn, &upserted(event(&zone, t(20), "e2", vec![rec("www", None, "192.0.2.3")], vec![])))
        .await;
    let h = history(&db.conn, &zone).await;
    let www: Vec<&Entry> =
        h.iter().map(|(e, _)| e).filter(|e| e.key.0.starts_with("www")).collect();
    assert_eq!(www.len(), 2);
    assert_eq!((www[0].action.as_str(), www[0].before_unknown), ("update", true));
    assert_eq!(www[0].before, None, "the state before is unknown, not empty");
    assert!(www[0].after.as_deref().unwrap().contains("192.0.2.1"));
    assert_eq!(www[0].actor.as_deref(), Some(ACTOR));
    assert_eq!(www[0].event_id.as_deref(), Some("e1"));
    assert_eq!((www[1].action.as_str(), www[1].before_unknown), ("update", false));
    assert!(www[1].before.as_deref().unwrap().contains("192.0.2.1"));
    assert_eq!(
        actions(&db.conn, &zone, "api").await,
        vec![(t(10), "create".into(), false, false)],
        "a CREATE first is a create"
    );
    // The record itself is live as usual.
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.record("www", None).deleted_at, None);
    assert_eq!(snap.record("www", None).first_seen_at, Some(t(10)));

    // Applied through the rebuild (a late, older observation) the first entry stays unknown.
    let zone = fresh_zone();
    ok(&db.conn, &upserted(event(&zone, t(20), "e2", vec![rec("www", None, "192.0.2.3")], vec![])))
        .await;
    ok(&db.conn, &upserted(event(&zone, t(10), "e1", vec![rec("www", None, "192.0.2.1")], vec![])))
        .await;
    assert_eq!(
        actions(&db.conn, &zone, "www").await,
        vec![(t(10), "update".into(), false, true), (t(20), "update".into(), true, false)]
    );
}

async fn an_upsert_after_a_known_delete_is_a_create(backend: Backend) {
    let db = migrated(backend).await;
    let delete = |zone: &ZoneId| event(zone, t(10), "e1", vec![], vec![del("www", None)]);
    let upsert = |zone: &ZoneId| {
        upserted(event(zone, t(20), "e2", vec![rec("www", None, "192.0.2.1")], vec![]))
    };
    let want = vec![(t(20), "create".to_string(), false, false)];
    // In order: the delete makes a tombstone, the UPSERT brings it back (fast path).
    let zone = fresh_zone();
    ok(&db.conn, &delete(&zone)).await;
    ok(&db.conn, &upsert(&zone)).await;
    assert_eq!(actions(&db.conn, &zone, "www").await, want);
    // The delete late: the unknown-before entry becomes a create.
    let zone = fresh_zone();
    ok(&db.conn, &upsert(&zone)).await;
    assert_eq!(actions(&db.conn, &zone, "www").await, vec![(t(20), "update".into(), false, true)]);
    ok(&db.conn, &delete(&zone)).await;
    assert_eq!(actions(&db.conn, &zone, "www").await, want);
    // Deleted and UPSERTed again later: delete, then create.
    ok(&db.conn, &event(&zone, t(30), "e3", vec![], vec![del("www", None)])).await;
    ok(&db.conn, &upserted(event(&zone, t(40), "e4", vec![rec("www", None, "192.0.2.2")], vec![])))
        .await;
    assert_eq!(
        actions(&db.conn, &zone, "www").await,
        vec![
            (t(20), "create".into(), false, false),
            (t(30), "delete".into(), true, false),
            (t(40), "create".into(), false, false)
        ]
    );
}

async fn an_upsert_after_a_reconciliation_that_missed_the_key_is_a_create(backend: Backend) {
    let db = migrated(backend).await;
    let sweep = |zone: &ZoneId| {
        vec![
            page(zone, t(11), "s1", 0, vec![rec("other", None, "192.0.2.9")]),
            done(zone, "s1", t(10), t(12), 1, 1),
        ]
    };
    let upsert = |zone: &ZoneId| {
        upserted(event(zone, t(20), "e1", vec![rec("www", None, "192.0.2.1")], vec![]))
    };
    let want = vec![(t(20), "create".to_string(), false, false)];
    let zone = fresh_zone();
    deliver(&db.conn, &sweep(&zone), &ApplyOptions::default()).await.unwrap();
    ok(&db.conn, &upsert(&zone)).await;
    assert_eq!(actions(&db.conn, &zone, "www").await, want, "sweep first");
    let zone = fresh_zone();
    ok(&db.conn, &upsert(&zone)).await;
    deliver(&db.conn, &sweep(&zone), &ApplyOptions::default()).await.unwrap();
    assert_eq!(actions(&db.conn, &zone, "www").await, want, "the sweep's messages late");
    // A sweep that listed the key knew nothing of what was before it either: a page seeing
    // www after the UPSERT keeps the unknown-before entry.
    let zone = fresh_zone();
    ok(&db.conn, &upsert(&zone)).await;
    ok(&db.conn, &page(&zone, t(31), "s2", 0, vec![rec("www", None, "192.0.2.1")])).await;
    ok(&db.conn, &done(&zone, "s2", t(30), t(32), 1, 1)).await;
    assert_eq!(actions(&db.conn, &zone, "www").await, vec![(t(20), "update".into(), false, true)]);
}

async fn a_sweep_first_then_a_backfilled_older_upsert(backend: Backend) {
    let db = migrated(backend).await;
    // The first sweep (t5) sees www; the backfill then brings the UPSERT that made it (t1).
    for (content, want) in [
        ("192.0.2.1", vec![(t(1), "update".to_string(), false, true)]),
        (
            "192.0.2.2",
            vec![(t(1), "update".to_string(), false, true), (t(5), "update".into(), true, false)],
        ),
    ] {
        let zone = fresh_zone();
        ok(&db.conn, &page(&zone, t(5), "s1", 0, vec![rec("www", None, content)])).await;
        ok(&db.conn, &done(&zone, "s1", t(5), t(6), 1, 1)).await;
        assert_eq!(
            actions(&db.conn, &zone, "www").await,
            vec![(t(5), "create".into(), false, false)]
        );
        let late = upserted(event(&zone, t(1), "e1", vec![rec("www", None, "192.0.2.1")], vec![]));
        ok(&db.conn, &backfilled(late)).await;
        assert_eq!(actions(&db.conn, &zone, "www").await, want, "sweep saw {content}");
        let h = history(&db.conn, &zone).await;
        assert_eq!(h[0].1.as_deref(), Some("backfill"), "the backfilled entry says so");
        assert_eq!(h.get(1).and_then(|(_, via)| via.clone()), None, "the sweep's does not");
    }
}

async fn one_event_live_and_backfilled_is_one_entry_with_the_first_paths_via(backend: Backend) {
    let db = migrated(backend).await;
    let e = |zone: &ZoneId| {
        upserted(event(zone, t(10), "e1", vec![rec("www", None, "192.0.2.1")], vec![]))
    };
    for (first_backfill, want_via) in [(true, Some("backfill")), (false, None)] {
        let zone = fresh_zone();
        let (first, second) = if first_backfill {
            (backfilled(e(&zone)), e(&zone))
        } else {
            (e(&zone), backfilled(e(&zone)))
        };
        ok(&db.conn, &first).await;
        let again = ok(&db.conn, &second).await;
        assert_eq!(again.counts.unchanged, 1, "the second path is a redelivery");
        // And the zone deletion of the same event through both: one delete entry.
        let deleted = zone_deleted(&zone, t(20), "z1");
        let (first, second) = if first_backfill {
            (backfilled(deleted.clone()), deleted)
        } else {
            (deleted.clone(), backfilled(deleted))
        };
        ok(&db.conn, &first).await;
        ok(&db.conn, &second).await;
        let h = history(&db.conn, &zone).await;
        let got: Vec<(&str, Option<&str>, Option<&str>)> = h
            .iter()
            .map(|(e, via)| (e.action.as_str(), e.event_id.as_deref(), via.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![("update", Some("e1"), want_via), ("delete", Some("z1"), want_via)],
            "first path backfill: {first_backfill}"
        );
    }
}

// The writer function's direct invocation.

async fn the_writer_function_answers_backfill_windows(backend: Backend) {
    let db = migrated(backend).await;
    let state = State {
        findings: None,
        db: db.conn.clone(),
        emit_metrics: false,
        concurrency: DEFAULT_CONCURRENCY,
        options: Default::default(),
        notify: None,
    };
    let invoke =
        |payload: Value| handle_invocation(&state, LambdaEvent::new(payload, Context::default()));
    let account = fresh_account();
    let request = json!({"backfill_windows": {"account_id": account.as_str()}});
    assert_eq!(invoke(request.clone()).await.unwrap(), json!({"windows": []}));
    let w1 = progress(&account, "w1", 3, false, t(30));
    let w2 = progress(&account, "w2", 2, true, t(40));
    ok(&db.conn, &Message::BackfillProgress(w2.clone())).await;
    ok(&db.conn, &Message::BackfillProgress(w1.clone())).await;
    ok(&db.conn, &Message::BackfillProgress(progress(&fresh_account(), "w1", 1, false, t(5))))
        .await;
    let answer = invoke(request).await.unwrap();
    let windows: Vec<BackfillProgress> =
        serde_json::from_value(answer["windows"].clone()).expect("windows are BackfillProgress");
    assert_eq!(windows, vec![w1, w2], "this account's windows only");
    assert_eq!(answer["windows"][0]["next_token"], json!("token-after-page-3"));

    for (payload, says) in [
        (json!({"backfill_windows": {"account_id": "1234"}}), "\"1234\""),
        (json!({"backfill_windows": {}}), "account_id"),
        (json!({"backfill_windows": {"account_id": account.as_str(), "x": 1}}), "`x`"),
        (json!({"backfill_windows": "123456789012"}), "backfill_windows"),
        (json!({"backfill_windows": {"account_id": account.as_str()}, "Records": []}), "Records"),
        (json!({"backfill": {"since": "90d"}}), "[\"backfill\"]"),
        (json!(["Records"]), "an array"),
        (json!({"Records": [{"messageId": 5}]}), "SQS batch"),
    ] {
        let e = invoke(payload.clone()).await.expect_err("a bad payload is an error");
        let e = e.to_string();
        assert!(e.contains("bad invocation payload") && e.contains(says), "{payload}: {e}");
    }

    // An SQS batch still works through the same entry point.
    let zone = fresh_zone();
    let body = event(&zone, t(1), "e1", vec![rec("www", None, "192.0.2.1")], vec![]).to_json();
    let batch = json!({"Records": [{
        "messageId": "m1", "receiptHandle": "rh", "body": body,
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:zonetrail",
        "awsRegion": "us-east-1"
    }]});
    assert_eq!(invoke(batch).await.unwrap(), json!({"batchItemFailures": []}));
    assert_eq!(snapshot(&db.conn, &zone).await.records.len(), 1);
}

// The property test.

const KEYS: [(&str, Option<&str>); 4] =
    [("www", None), ("api", Some("blue")), ("api", Some("green")), ("mail", None)];
const CONTENTS: [&str; 3] = ["192.0.2.1", "192.0.2.2", "192.0.2.3"];
const ACCOUNT: &str = "111122223333";

/// One change as generated: a key, what to do with it, a content. Turned into a valid Route 53
/// change against the state so far by [`Changes::apply`].
#[derive(Debug, Clone)]
struct Wish {
    key: usize,
    verb: u8,
    content: usize,
}

/// A Route 53 change as CloudTrail records it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct R53Change {
    action: &'static str,
    key: usize,
    content: usize,
}

/// The zone as a Route 53 model: each key's content.
#[derive(Default)]
struct Changes {
    state: BTreeMap<usize, usize>,
}

impl Changes {
    /// A batch of valid changes (each key at most once, or DELETE then CREATE to replace).
    fn apply(&mut self, wishes: &[Wish]) -> Vec<R53Change> {
        let mut batch = Vec::new();
        let mut touched = BTreeSet::new();
        for w in wishes {
            if !touched.insert(w.key) {
                continue;
            }
            let current = self.state.get(&w.key).copied();
            match (current, w.verb % 4) {
                (None, 0 | 1) => {
                    batch.push(R53Change { action: "CREATE", key: w.key, content: w.content })
                }
                (None, _) => {
                    batch.push(R53Change { action: "UPSERT", key: w.key, content: w.content })
                }
                (Some(c), 0) => batch.push(R53Change { action: "DELETE", key: w.key, content: c }),
                (Some(c), 1) => {
                    // Replaced in one batch: Route 53's "update" of a CREATE-minded caller.
                    batch.push(R53Change { action: "DELETE", key: w.key, content: c });
                    batch.push(R53Change { action: "CREATE", key: w.key, content: w.content });
                }
                (Some(_), _) => {
                    batch.push(R53Change { action: "UPSERT", key: w.key, content: w.content })
                }
            }
            match batch.last() {
                Some(R53Change { action: "DELETE", .. }) => {
                    self.state.remove(&w.key);
                }
                Some(c) => {
                    self.state.insert(w.key, c.content);
                }
                None => {}
            }
        }
        batch
    }
}

fn record_json(c: &R53Change) -> Value {
    let (name, set) = KEYS[c.key];
    let mut rrs = json!({
        "name": format!("{name}.example.com."),
        "type": "A",
        "tTL": 300,
        "resourceRecords": [{"value": CONTENTS[c.content]}],
    });
    if let Some(set) = set {
        rrs["setIdentifier"] = json!(set);
        rrs["weight"] = json!(10);
    }
    rrs
}

/// The EventBridge event of a ChangeResourceRecordSets call, shaped like the samples.
fn cloudtrail_event(zone: &ZoneId, event_id: &str, at: Timestamp, batch: &[R53Change]) -> Value {
    let time = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let changes: Vec<Value> = batch
        .iter()
        .map(|c| json!({"action": c.action, "resourceRecordSet": record_json(c)}))
        .collect();
    json!({
        "version": "0",
        "id": format!("eb-{event_id}"),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.route53",
        "account": ACCOUNT,
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT, "arn": ACTOR},
            "eventTime": time,
            "eventSource": "route53.amazonaws.com",
            "eventName": "ChangeResourceRecordSets",
            "awsRegion": "us-east-1",
            "requestParameters": {
                "hostedZoneId": zone.as_str(),
                "changeBatch": {"changes": changes}
            },
            "responseElements": {"changeInfo": {"id": "/change/C1", "status": "PENDING"}},
            "eventID": event_id,
            "eventType": "AwsApiCall",
            "recipientAccountId": ACCOUNT
        }
    })
}

/// How one event reaches the writer.
#[derive(Debug, Clone, Copy)]
enum Path {
    Live,
    Backfill,
    Both,
}

#[derive(Debug, Clone)]
struct Case {
    batches: Vec<Vec<Wish>>,
    /// A sweep after this many batches (listing the state then), if any.
    sweep_after: Option<usize>,
    paths: Vec<Path>,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    let wish = (0..KEYS.len(), any::<u8>(), 0..CONTENTS.len())
        .prop_map(|(key, verb, content)| Wish { key, verb, content });
    let path = prop_oneof![Just(Path::Live), Just(Path::Backfill), Just(Path::Both),];
    (1usize..8)
        .prop_flat_map(move |n| {
            (
                proptest::collection::vec(proptest::collection::vec(wish.clone(), 1..4), n),
                proptest::option::weighted(0.6, 0..=n),
                proptest::collection::vec(path.clone(), n),
                any::<u64>(),
            )
        })
        .prop_map(|(batches, sweep_after, paths, seed)| Case { batches, sweep_after, paths, seed })
}

/// Each event's decoded messages, and the sweep's messages, in time order.
fn scenario(case: &Case, zone: &ZoneId) -> (Vec<Vec<Message>>, Vec<Message>) {
    let mut route53 = Changes::default();
    let mut events = Vec::new();
    let mut sweep = Vec::new();
    let sweep_at = |listed: &BTreeMap<usize, usize>, after: usize| {
        // Between two events' seconds: a page, then sweep_done.
        let start = t(10 * after as i64 + 3);
        let records: Vec<RecordSet> = listed
            .iter()
            .map(|(k, c)| rec(KEYS[*k].0, KEYS[*k].1, CONTENTS[*c]).normalize())
            .collect();
        let n = records.len() as u64;
        vec![
            page(zone, start + Duration::seconds(1), "s1", 0, records),
            done(zone, "s1", start, start + Duration::seconds(2), 1, n),
        ]
    };
    for (i, wishes) in case.batches.iter().enumerate() {
        if case.sweep_after == Some(i) {
            sweep = sweep_at(&route53.state, i);
        }
        let batch = route53.apply(wishes);
        let event = cloudtrail_event(zone, &format!("ev-{i}"), t(10 * (i as i64 + 1)), &batch);
        let messages = match decode_event(&event) {
            Ok(Decoded::Plan(plan)) => {
                assert_eq!(plan.follow_up, None, "a complete change batch: {event}");
                plan.messages
            }
            other => panic!("the decoder refused {event}: {other:?}"),
        };
        events.push(messages);
    }
    if case.sweep_after == Some(case.batches.len()) {
        sweep = sweep_at(&route53.state, case.batches.len());
    }
    (events, sweep)
}

/// A deterministic shuffle with duplicates, from a seed.
fn disorder(messages: &[Message], seed: u64) -> Vec<Message> {
    let mut state = seed | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = messages.to_vec();
    for i in (1..out.len()).rev() {
        out.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    for _ in 0..next() % 4 {
        let m = out[(next() % out.len() as u64) as usize].clone();
        let at = (next() % (out.len() as u64 + 1)) as usize;
        out.insert(at, m);
    }
    out
}

type Observed = (BTreeMap<Key, Record>, Vec<Entry>);

async fn observe(
    db: &DatabaseConnection,
    zone: &ZoneId,
) -> (Observed, Vec<(Entry, Option<String>)>) {
    let records = snapshot(db, zone).await.records;
    let with_via = history(db, zone).await;
    ((records, with_via.iter().map(|(e, _)| e.clone()).collect()), with_via)
}

async fn run_case(db: &DatabaseConnection, case: &Case) -> Result<(), TestCaseError> {
    // In order, live.
    let reference = fresh_zone();
    let (events, sweep) = scenario(case, &reference);
    let mut in_order: Vec<Message> = Vec::new();
    for (i, messages) in events.iter().enumerate() {
        if case.sweep_after == Some(i) {
            in_order.extend(sweep.iter().cloned());
        }
        in_order.extend(messages.iter().cloned());
    }
    if case.sweep_after == Some(events.len()) {
        in_order.extend(sweep.iter().cloned());
    }
    deliver(db, &in_order, &ApplyOptions::default()).await.map_err(TestCaseError::fail)?;
    let (want, _) = observe(db, &reference).await;

    // Each event live, backfilled or both, shuffled with duplicates; once through the fast
    // path where it applies, once with every record rebuilt.
    for options in
        [ApplyOptions::default(), ApplyOptions { always_rebuild: true, ..ApplyOptions::default() }]
    {
        let zone = fresh_zone();
        let (events, sweep) = scenario(case, &zone);
        let mut messages = sweep.clone();
        for (messages_of, path) in events.iter().zip(&case.paths) {
            for m in messages_of {
                if matches!(path, Path::Live | Path::Both) {
                    messages.push(m.clone());
                }
                if matches!(path, Path::Backfill | Path::Both) {
                    messages.push(backfilled(m.clone()));
                }
            }
        }
        let shuffled = disorder(&messages, case.seed ^ u64::from(options.always_rebuild));
        deliver(db, &shuffled, &options).await.map_err(TestCaseError::fail)?;
        let (got, with_via) = observe(db, &zone).await;
        if got != want {
            let order: Vec<String> = shuffled
                .iter()
                .map(|m| match m {
                    Message::Records(r) => format!(
                        "{} {:?} bu={} +{} -{}",
                        r.observed_at.format("%S"),
                        r.origin,
                        r.before_unknown,
                        r.upserts.len(),
                        r.deletes.len()
                    ),
                    other => format!("{} {}", other.kind(), other.observed_at().format("%S")),
                })
                .collect();
            return Err(TestCaseError::fail(format!(
                "delivery {order:#?} ({options:?}) diverged from in-order live delivery\nwant {want:#?}\ngot {got:#?}"
            )));
        }
        // `via` says which path stored each event first; an event sent one way says that way.
        for (e, via) in &with_via {
            let Some(i) = e.event_id.as_deref().and_then(|id| id.strip_prefix("ev-")) else {
                prop_assert_eq!(via, &None, "a sweep's entry has no via");
                continue;
            };
            let i: usize = i.parse().unwrap();
            match case.paths[i] {
                Path::Live => prop_assert_eq!(via, &None, "event {} went live only", i),
                Path::Backfill => {
                    prop_assert_eq!(
                        via.as_deref(),
                        Some("backfill"),
                        "event {} was backfilled only",
                        i
                    )
                }
                Path::Both => {}
            }
        }
    }
    Ok(())
}

fn live_backfill_or_both_converge(backend: Backend) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let db = rt.block_on(migrated(backend));
    let mut runner =
        TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let started = Instant::now();
    let result = runner.run(&case(), |case| rt.block_on(run_case(&db.conn, &case)));
    eprintln!("{cases} cases on {backend:?} in {:.1} s", started.elapsed().as_secs_f64());
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn live_backfill_or_both_converge_sqlite() {
    live_backfill_or_both_converge(Backend::Sqlite)
}

#[test]
fn live_backfill_or_both_converge_mysql() {
    live_backfill_or_both_converge(Backend::MySql)
}
