//! Time travel (`api::timetravel`): the inventory as of a time and the diff between two
//! times, over a history the real writer builds from `records` messages.

use api::records::filter::NameFilter;
use api::timetravel::{AsOfFilter, DiffItem, DiffKind, RecordAsOf, RecordKey, diff, records_as_of};
use chrono::TimeZone;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use zonetrail_model::message::DeletedKey;
use zonetrail_model::testing::Backend;
use zonetrail_model::{
    Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage, Routing, Timestamp, ZoneId,
};
use zonetrail_writer::ApplyError;

use crate::support::migrated;

/// The keys of the generated histories: a plain name and a weighted pair, plus a second plain
/// name (`a` sorts first, so that pages mix names).
const KEYS: [(&str, Option<&str>); 4] =
    [("www", None), ("api", Some("blue")), ("api", Some("green")), ("a", None)];
const CONTENTS: [&str; 3] = ["192.0.2.1", "192.0.2.2", "192.0.2.3"];

fn zone() -> ZoneId {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    ZoneId::parse(&format!("ZTT{}X{n}", std::process::id())).unwrap()
}

/// Seconds after a fixed instant in the past (observations must not be in the future).
fn t(seconds: i64) -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
        + chrono::Duration::seconds(seconds)
}

fn name(key: usize) -> String {
    format!("{}.example.com.", KEYS[key].0)
}

fn rec(key: usize, content: usize) -> RecordSet {
    let (_, set) = KEYS[key];
    RecordSet {
        name: RecordName::parse(&name(key)).unwrap(),
        rtype: RecordType::A,
        set_identifier: set.map(str::to_owned),
        ttl: Some(300),
        values: vec![CONTENTS[content].to_owned()],
        alias_target: None,
        routing: Routing { weight: set.map(|_| 10), ..Routing::default() },
    }
}

/// One observation of one key: present with a content, or deleted (`None`).
#[derive(Debug, Clone, Copy)]
struct Step {
    key: usize,
    content: Option<usize>,
    /// An upsert written with Route 53's `UPSERT` (the state before is unknown).
    before_unknown: bool,
    /// A delete at the same time as the step before it (a tie: the delete comes after).
    tie: bool,
}

/// The time of each step: ten seconds apart, a tied delete at its predecessor's time. Only
/// a chain's first step can be an upsert, so no two upserts share a time.
fn times(steps: &[Step]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        let at = match out.last() {
            Some(prev) if s.tie && s.content.is_none() => *prev,
            _ => i as i64 * 10,
        };
        out.push(at);
    }
    out
}

fn message(zone: &ZoneId, i: usize, step: &Step, at: i64) -> Message {
    let (upserts, deletes) = match step.content {
        Some(c) => (vec![rec(step.key, c)], Vec::new()),
        None => (
            Vec::new(),
            vec![DeletedKey {
                name: RecordName::parse(&name(step.key)).unwrap(),
                rtype: RecordType::A,
                set_identifier: KEYS[step.key].1.map(str::to_owned),
            }],
        ),
    };
    Message::Records(RecordsMessage {
        account_id: None,
        zone_id: zone.clone(),
        observed_at: t(at),
        origin: Origin::Event {
            event_id: format!("ev-{i}"),
            event_name: "ChangeResourceRecordSets".into(),
            actor: Some("arn:aws:iam::111122223333:user/tt".into()),
            actor_role: None,
            backfill: false,
            comment: None,
        },
        upserts,
        deletes,
        before_unknown: step.before_unknown && step.content.is_some(),
    })
}

/// Apply in this order, as SQS would: a message that fails retryably comes back later.
async fn deliver(db: &DatabaseConnection, messages: &[Message]) -> Result<(), String> {
    let mut queue: std::collections::VecDeque<&Message> = messages.iter().collect();
    let mut budget = messages.len() * 4 + 8;
    while let Some(m) = queue.pop_front() {
        budget = budget.checked_sub(1).ok_or("messages keep failing")?;
        match zonetrail_writer::apply(db, m).await {
            Ok(_) => {}
            Err(ApplyError::SweepIncomplete { .. }) => queue.push_back(m),
            Err(e) => return Err(format!("{} failed: {e}", m.to_json())),
        }
    }
    Ok(())
}

/// A record set's state as the tests compare it: (name, set identifier) → value.
type State = BTreeMap<(String, Option<String>), String>;

/// The in-order replay: each key's last observation at or before `at` (a delete after an
/// upsert at the same time), present or not.
fn expected_at(steps: &[Step], times: &[i64], at: i64) -> State {
    let mut last: BTreeMap<usize, (i64, bool, Option<usize>)> = BTreeMap::new();
    for (s, &time) in steps.iter().zip(times) {
        if time > at {
            continue;
        }
        let rank = (time, s.content.is_none(), s.content);
        match last.get(&s.key) {
            Some(prev) if (prev.0, prev.1) > (rank.0, rank.1) => {}
            _ => {
                last.insert(s.key, rank);
            }
        }
    }
    last.into_iter()
        .filter_map(|(key, (_, _, content))| {
            content.map(|c| ((name(key), KEYS[key].1.map(str::to_owned)), CONTENTS[c].to_owned()))
        })
        .collect()
}

fn state_of(items: &[RecordAsOf]) -> State {
    items
        .iter()
        .map(|r| {
            ((r.content.name.clone(), r.content.set_identifier.clone()), r.content.values.join(","))
        })
        .collect()
}

/// The whole answer, in pages of `limit`; checks that each page is in `(name, id)` order and
/// starts after the previous one.
async fn all_as_of(
    db: &DatabaseConnection,
    at: Timestamp,
    filter: &AsOfFilter,
    limit: u64,
) -> Vec<RecordAsOf> {
    let mut out: Vec<RecordAsOf> = Vec::new();
    let mut after: Option<RecordKey> = None;
    loop {
        let page = records_as_of(db, at, filter, after.as_ref(), limit).await.unwrap();
        assert!(page.len() as u64 <= limit);
        let full = page.len() as u64 == limit;
        after = page.last().map(RecordAsOf::key);
        out.extend(page);
        if !full {
            break;
        }
    }
    let keys: Vec<(String, i64)> = out.iter().map(|r| (r.content.name.clone(), r.id)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "pages in (name, id) order without repeats");
    out
}

async fn all_diff(
    db: &DatabaseConnection,
    from: Timestamp,
    to: Timestamp,
    filter: &AsOfFilter,
    limit: u64,
) -> Vec<DiffItem> {
    let mut out: Vec<DiffItem> = Vec::new();
    let mut after: Option<RecordKey> = None;
    loop {
        let page = diff(db, from, to, filter, after.as_ref(), limit).await.unwrap();
        let full = page.len() as u64 == limit;
        after = page.last().map(DiffItem::key);
        out.extend(page);
        if !full {
            break;
        }
    }
    out
}

/// What a diff between two states must list: (name, set id) → (kind, before, after).
type Changes = BTreeMap<(String, Option<String>), (DiffKind, Option<String>, Option<String>)>;

fn expected_diff(from: &State, to: &State) -> Changes {
    let mut out = Changes::new();
    for key in from.keys().chain(to.keys()) {
        let (b, a) = (from.get(key).cloned(), to.get(key).cloned());
        let kind = match (&b, &a) {
            (None, Some(_)) => DiffKind::Added,
            (Some(_), None) => DiffKind::Removed,
            (Some(x), Some(y)) if x != y => DiffKind::Changed,
            _ => continue,
        };
        out.insert(key.clone(), (kind, b, a));
    }
    out
}

fn changes_of(items: &[DiffItem]) -> Changes {
    items
        .iter()
        .map(|d| {
            (
                (d.name.clone(), d.set_identifier.clone()),
                (
                    d.kind,
                    d.before.as_ref().map(|c| c.values.join(",")),
                    d.after.as_ref().map(|c| c.values.join(",")),
                ),
            )
        })
        .collect()
}

fn step() -> impl Strategy<Value = Step> {
    (
        0..KEYS.len(),
        proptest::option::weighted(0.7, 0..CONTENTS.len()),
        proptest::bool::weighted(0.2),
        proptest::bool::weighted(0.25),
    )
        .prop_map(|(key, content, before_unknown, tie)| Step {
            key,
            content,
            before_unknown,
            tie,
        })
}

async fn run_case(
    db: &DatabaseConnection,
    steps: &[Step],
    order: &[u32],
    probes: &[(i64, i64)],
) -> Result<(), TestCaseError> {
    let z = zone();
    let times = times(steps);
    let mut messages: Vec<(u32, usize, Message)> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (order[i % order.len()], i, message(&z, i, s, times[i])))
        .collect();
    messages.sort_by_key(|(o, i, _)| (*o, *i));
    let shuffled: Vec<Message> = messages.into_iter().map(|(_, _, m)| m).collect();
    deliver(db, &shuffled).await.map_err(TestCaseError::fail)?;

    let end = *times.last().unwrap_or(&0);
    let filter = AsOfFilter { zone: Some(z.clone()), ..AsOfFilter::default() };
    // Every step's time, just before it, and after the end.
    let mut instants: Vec<i64> = times.iter().flat_map(|&t| [t - 1, t]).collect();
    instants.push(end + 5);
    instants.dedup();
    let mut states: BTreeMap<i64, State> = BTreeMap::new();
    for &at in &instants {
        let want = expected_at(steps, &times, at);
        let got = state_of(&all_as_of(db, t(at), &filter, 100).await);
        prop_assert_eq!(&got, &want, "as of t+{}s, steps {:?} at {:?}", at, steps, times);
        states.insert(at, want);
    }
    // Paging by two gives the same answer as one page.
    let paged = state_of(&all_as_of(db, t(end + 5), &filter, 2).await);
    prop_assert_eq!(&paged, &states[&(end + 5)]);
    for &(a, b) in probes {
        let (from, to) = (a.min(b) % (end + 6) - 1, a.max(b) % (end + 6) - 1);
        let (from, to) = (from.min(to), from.max(to));
        let want =
            expected_diff(&expected_at(steps, &times, from), &expected_at(steps, &times, to));
        let got = changes_of(&all_diff(db, t(from), t(to), &filter, 2).await);
        prop_assert_eq!(got, want, "diff t+{}s..t+{}s, steps {:?} at {:?}", from, to, steps, times);
    }
    Ok(())
}

/// A random history of creates, updates, deletes and re-creates over four keys (a weighted
/// pair among them), delivered in a random order: as of any time, the inventory is the
/// in-order replay's state at that time, and the diff between two times is the difference of
/// those states.
fn as_of_equals_in_order_replay(backend: Backend) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(
        // About ten seconds each on a shared two-core machine.
        match backend {
            Backend::Sqlite => 150,
            Backend::MySql => 100,
        },
    );
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let db = rt.block_on(migrated(backend));
    let mut runner =
        TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (
        proptest::collection::vec(step(), 1..14),
        proptest::collection::vec(any::<u32>(), 14),
        proptest::collection::vec((0i64..200, 0i64..200), 4),
    );
    let result = runner.run(&strategy, |(steps, order, probes)| {
        rt.block_on(run_case(&db.conn, &steps, &order, &probes))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn timetravel_as_of_equals_in_order_replay_sqlite() {
    as_of_equals_in_order_replay(Backend::Sqlite)
}

#[test]
fn timetravel_as_of_equals_in_order_replay_mariadb() {
    as_of_equals_in_order_replay(Backend::MySql)
}

/// A hand-written history: www created at 0, updated at 10, back at 20 (a change that
/// reverted); api/blue created at 5 and deleted at 15; a created at 12; api/green updated at
/// 8 from an unknown state.
fn known_history(z: &ZoneId) -> Vec<Message> {
    let s = |key, content| Step { key, content, before_unknown: false, tie: false };
    let plan: [(i64, Step); 6] = [
        (0, s(0, Some(0))),
        (5, s(1, Some(0))),
        (8, Step { before_unknown: true, ..s(2, Some(1)) }),
        (10, s(0, Some(1))),
        (12, s(3, Some(2))),
        (15, s(1, None)),
    ];
    let mut out: Vec<Message> =
        plan.iter().enumerate().map(|(i, (at, step))| message(z, i, step, *at)).collect();
    out.push(message(z, 6, &s(0, Some(0)), 20));
    // Delivered newest first.
    out.reverse();
    out
}

backend_test!(
    async fn timetravel_diff_kinds_and_reverts(backend) {
        let db = migrated(backend).await;
        let z = zone();
        deliver(&db.conn, &known_history(&z)).await.unwrap();
        let filter = AsOfFilter { zone: Some(z.clone()), ..AsOfFilter::default() };
        let d = |from, to| {
            let (db, filter) = (&db.conn, &filter);
            async move { changes_of(&all_diff(db, t(from), t(to), filter, 100).await) }
        };
        let www = ("www.example.com.".to_string(), None);
        let blue = ("api.example.com.".to_string(), Some("blue".to_string()));
        let green = ("api.example.com.".to_string(), Some("green".to_string()));
        let a = ("a.example.com.".to_string(), None);
        let v = |i: usize| Some(CONTENTS[i].to_string());

        // 9..16: www changed, a added, blue removed; green unchanged (its update was at 8).
        let got = d(9, 16).await;
        let want: Changes = [
            (www.clone(), (DiffKind::Changed, v(0), v(1))),
            (a.clone(), (DiffKind::Added, None, v(2))),
            (blue.clone(), (DiffKind::Removed, v(0), None)),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, want);
        // 9..20: www changed and changed back: not listed.
        assert!(!d(9, 20).await.contains_key(&www), "a reverted change shows nothing");
        // 4..16: blue was created and deleted in between: nothing.
        assert!(!d(4, 16).await.contains_key(&blue));
        // 7..9: green first known from an upsert: added (it counts as present from then).
        assert_eq!(
            d(7, 9).await,
            [(green.clone(), (DiffKind::Added, None, v(1)))].into_iter().collect::<Changes>()
        );
        // No change in the window, and an empty window.
        assert!(d(21, 100).await.is_empty());
        assert!(d(10, 10).await.is_empty());
        // The items carry the zone and the record's key.
        let items = all_diff(&db.conn, t(9), t(16), &filter, 100).await;
        assert!(items.iter().all(|i| i.zone_id == z.as_str() && i.record_type == "A"));
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a.example.com.", "api.example.com.", "www.example.com."]);
    }
);

backend_test!(
    async fn timetravel_as_of_filters_and_pages(backend) {
        let db = migrated(backend).await;
        let (z, other) = (zone(), zone());
        deliver(&db.conn, &known_history(&z)).await.unwrap();
        deliver(&db.conn, &known_history(&other)).await.unwrap();
        let by_zone = AsOfFilter { zone: Some(z.clone()), ..AsOfFilter::default() };

        // At 12: www (content 1), blue, green, a.
        let at12 = all_as_of(&db.conn, t(12), &by_zone, 100).await;
        let names: Vec<(&str, Option<&str>)> = at12
            .iter()
            .map(|r| (r.content.name.as_str(), r.content.set_identifier.as_deref()))
            .collect();
        assert_eq!(names.len(), 4);
        assert_eq!(names[0], ("a.example.com.", None));
        assert_eq!(names[3], ("www.example.com.", None));
        let www = at12.iter().find(|r| r.content.name == "www.example.com.").unwrap();
        assert_eq!(www.content.values, [CONTENTS[1]]);
        assert_eq!(www.since, t(10));
        assert_eq!(www.zone_id, z.as_str());
        let blue = at12.iter().find(|r| r.content.set_identifier.as_deref() == Some("blue"));
        assert_eq!(blue.unwrap().content.routing.weight, Some(10));

        // Pages of two concatenate to the whole answer.
        let one: Vec<i64> = at12.iter().map(|r| r.id).collect();
        let first = records_as_of(&db.conn, t(12), &by_zone, None, 2).await.unwrap();
        assert_eq!(first.len(), 2);
        let second =
            records_as_of(&db.conn, t(12), &by_zone, Some(&first[1].key()), 2).await.unwrap();
        let third =
            records_as_of(&db.conn, t(12), &by_zone, Some(&second[1].key()), 2).await.unwrap();
        let paged: Vec<i64> = first.iter().chain(&second).chain(&third).map(|r| r.id).collect();
        assert_eq!(paged, one);
        assert!(third.is_empty());

        // Before anything, nothing; without a zone filter, both zones.
        assert!(all_as_of(&db.conn, t(-1), &by_zone, 100).await.is_empty());
        let everything = all_as_of(&db.conn, t(12), &AsOfFilter::default(), 100).await;
        assert!(everything.len() >= 8);
        // Exact name and type.
        let api = AsOfFilter {
            name: Some(NameFilter::Exact("api.example.com.".into())),
            record_type: Some(RecordType::A),
            ..by_zone.clone()
        };
        let got = all_as_of(&db.conn, t(16), &api, 100).await;
        let sets: Vec<Option<&str>> =
            got.iter().map(|r| r.content.set_identifier.as_deref()).collect();
        assert_eq!(sets, [Some("green")], "blue was deleted at 15");
        let txt = AsOfFilter { record_type: Some(RecordType::Txt), ..by_zone.clone() };
        assert!(all_as_of(&db.conn, t(16), &txt, 100).await.is_empty());
    }
);

backend_test!(
    async fn timetravel_delete_after_presence_at_the_same_time(backend) {
        let db = migrated(backend).await;
        let z = zone();
        let s = |content| Step { key: 0, content, before_unknown: false, tie: false };
        // At 10, www is both upserted and deleted: the delete comes after, whichever
        // arrives first; the delete is delivered first here.
        let history = [
            message(&z, 0, &s(Some(0)), 0),
            message(&z, 1, &s(None), 10),
            message(&z, 2, &s(Some(1)), 10),
            message(&z, 3, &s(Some(2)), 20),
        ];
        deliver(&db.conn, &history).await.unwrap();
        let filter = AsOfFilter { zone: Some(z.clone()), ..AsOfFilter::default() };
        let values = |items: Vec<RecordAsOf>| -> Vec<String> {
            items.into_iter().flat_map(|r| r.content.values).collect()
        };
        assert_eq!(values(all_as_of(&db.conn, t(9), &filter, 100).await), [CONTENTS[0]]);
        assert!(all_as_of(&db.conn, t(10), &filter, 100).await.is_empty(), "deleted at 10");
        assert_eq!(values(all_as_of(&db.conn, t(20), &filter, 100).await), [CONTENTS[2]]);
        let removed = changes_of(&all_diff(&db.conn, t(5), t(15), &filter, 100).await);
        let www = ("www.example.com.".to_string(), None);
        assert_eq!(removed[&www], (DiffKind::Removed, Some(CONTENTS[0].into()), None));
    }
);
