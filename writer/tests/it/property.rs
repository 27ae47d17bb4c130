//! Every delivery order, with duplicates, ends in the same records, values and history as
//! in-order delivery. Each order runs in its own zone of one database.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sea_orm::DatabaseConnection;
use zonetrail_model::testing::Backend;
use zonetrail_model::{AccountId, Message, ZoneId};
use zonetrail_writer::ApplyOptions;

use crate::support::*;

const KEYS: [(&str, Option<&str>); 3] =
    [("www", None), ("api", Some("blue")), ("api", Some("green"))];
const CONTENTS: [&str; 3] = ["192.0.2.1", "192.0.2.2", "192.0.2.3"];

/// An abstract observation, placed in time.
#[derive(Debug, Clone)]
enum Step {
    /// An event: upsert key with content, or delete it (`None`).
    Event {
        at: i64,
        key: usize,
        content: Option<usize>,
    },
    /// A whole sweep: its start, and per page the keys it listed with their content.
    /// Pages are read `offset` seconds after the start, one a second.
    Sweep {
        start: i64,
        offset: i64,
        pages: Vec<Vec<(usize, usize)>>,
        late_done: i64,
    },
    ZoneDeleted {
        at: i64,
    },
    ZonePresent {
        at: i64,
        comment: u8,
    },
    /// A `zones_listed` of the zone's account, started at `start`, its last page read
    /// `offset` seconds later; it lists the zone or leaves it out.
    Listed {
        start: i64,
        offset: i64,
        lists_zone: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    // Times in a small range so that ties and overlaps with sweep windows happen often.
    prop_oneof![
        4 => (0i64..40, 0..KEYS.len(), proptest::option::weighted(0.8, 0..CONTENTS.len()))
            .prop_map(|(at, key, content)| Step::Event { at, key, content }),
        3 => (0i64..40, 0i64..2, proptest::collection::vec(proptest::collection::vec((0..KEYS.len(), 0..CONTENTS.len()), 0..4), 1..3), 0i64..3)
            .prop_map(|(start, offset, pages, late_done)| Step::Sweep { start, offset, pages, late_done }),
        1 => (0i64..40, 0u8..2).prop_map(|(at, comment)| Step::ZonePresent { at, comment }),
        1 => (0i64..40).prop_map(|at| Step::ZoneDeleted { at }),
        2 => (0i64..40, 0i64..3, proptest::bool::weighted(0.3))
            .prop_map(|(start, offset, lists_zone)| Step::Listed { start, offset, lists_zone }),
    ]
}

/// Steps, whether the zone is deleted at the end, and whether the steps follow each other in
/// time (the usual case, where most observations take the fast path) or all fall within the
/// same 40 seconds (ties and overlapping sweeps everywhere).
fn scenario() -> impl Strategy<Value = (Vec<Step>, bool, bool)> {
    (proptest::collection::vec(step(), 1..9), proptest::bool::weighted(0.15), any::<bool>())
}

/// The messages of a scenario, sorted in delivery-in-order: by time, a sweep's pages before
/// its `sweep_done`.
fn messages(
    steps: &[Step],
    delete_zone_at_end: bool,
    spread: bool,
    zone: &ZoneId,
    account: &AccountId,
) -> Vec<Message> {
    let mut out: Vec<(i64, u8, Message)> = Vec::new();
    let mut end = 0;
    for (i, s) in steps.iter().enumerate() {
        let shift = if spread { i as i64 * 30 } else { 0 };
        let s = &shifted(s, shift);
        match s {
            Step::Event { at, key, content } => {
                let (name, set) = KEYS[*key];
                let (upserts, deletes) = match content {
                    Some(c) => (vec![rec(name, set, CONTENTS[*c])], vec![]),
                    None => (vec![], vec![del(name, set)]),
                };
                out.push((*at, 0, event(zone, t(*at), &format!("e{i}"), upserts, deletes)));
            }
            Step::Sweep { start, offset, pages, late_done } => {
                let sweep = format!("s{i}");
                let mut total = 0;
                for (p, listed) in pages.iter().enumerate() {
                    let mut seen = std::collections::HashSet::new();
                    let records: Vec<_> = listed
                        .iter()
                        .filter(|(k, _)| seen.insert(*k))
                        .map(|(k, c)| rec(KEYS[*k].0, KEYS[*k].1, CONTENTS[*c]))
                        .collect();
                    total += records.len() as u64;
                    let at = start + offset + p as i64;
                    out.push((at, 0, page(zone, t(at), &sweep, p as u32, records)));
                }
                let finished = start + offset + pages.len() as i64 + late_done;
                out.push((
                    finished,
                    1,
                    done(zone, &sweep, t(*start), t(finished), pages.len() as u32, total),
                ));
            }
            Step::ZoneDeleted { at } => {
                out.push((*at, 0, zone_deleted(zone, t(*at), &format!("z{i}"))))
            }
            Step::ZonePresent { at, comment } => {
                out.push((*at, 0, zone_present(zone, t(*at), &format!("c{comment}"))))
            }
            Step::Listed { start, offset, lists_zone } => {
                let other = ZoneId::parse("ZOTHERZONE").unwrap();
                let zones: Vec<&ZoneId> =
                    if *lists_zone { vec![zone, &other] } else { vec![&other] };
                let end = start + offset;
                out.push((end, 1, listed(account, &format!("L{i}"), t(*start), t(end), &zones)));
            }
        }
    }
    for (at, _, _) in &out {
        end = end.max(*at);
    }
    if delete_zone_at_end {
        out.push((end + 1, 0, zone_deleted(zone, t(end + 1), "zone-gone")));
    }
    out.sort_by_key(|(at, rank, _)| (*at, *rank));
    out.into_iter().map(|(_, _, m)| with_account(m, account)).collect()
}

fn shifted(s: &Step, by: i64) -> Step {
    match s.clone() {
        Step::Event { at, key, content } => Step::Event { at: at + by, key, content },
        Step::Sweep { start, offset, pages, late_done } => {
            Step::Sweep { start: start + by, offset, pages, late_done }
        }
        Step::ZoneDeleted { at } => Step::ZoneDeleted { at: at + by },
        Step::ZonePresent { at, comment } => Step::ZonePresent { at: at + by, comment },
        Step::Listed { start, offset, lists_zone } => {
            Step::Listed { start: start + by, offset, lists_zone }
        }
    }
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
    let duplicates = next() % 4;
    for _ in 0..duplicates {
        let m = out[(next() % out.len() as u64) as usize].clone();
        let at = (next() % (out.len() as u64 + 1)) as usize;
        out.insert(at, m);
    }
    out
}

async fn run_case(
    db: &DatabaseConnection,
    steps: &[Step],
    delete_zone: bool,
    spread: bool,
    seeds: &[u64],
) -> Result<(), TestCaseError> {
    let reference_zone = fresh_zone();
    let in_order = messages(steps, delete_zone, spread, &reference_zone, &fresh_account());
    deliver(db, &in_order, &ApplyOptions::default()).await.map_err(TestCaseError::fail)?;
    let want = snapshot(db, &reference_zone).await;
    // The same order again with every record rebuilt from its observations: the fast path
    // must agree with the full evaluation.
    let mut runs: Vec<(Option<u64>, ApplyOptions)> =
        vec![(None, ApplyOptions { always_rebuild: true, ..ApplyOptions::default() })];
    runs.extend(seeds.iter().map(|s| (Some(*s), ApplyOptions::default())));
    runs.push((
        seeds.first().map(|s| s ^ 0x9e37),
        ApplyOptions { always_rebuild: true, ..ApplyOptions::default() },
    ));
    for (seed, options) in runs {
        // Its own zone and its own account: a listing is account-wide.
        let zone = fresh_zone();
        let ours = messages(steps, delete_zone, spread, &zone, &fresh_account());
        let shuffled = match seed {
            Some(seed) => disorder(&ours, seed),
            None => ours,
        };
        deliver(db, &shuffled, &options).await.map_err(TestCaseError::fail)?;
        let got = snapshot(db, &zone).await;
        if got != want {
            let order: Vec<String> = shuffled
                .iter()
                .map(|m| format!("{} {}", m.kind(), m.observed_at().format("%S")))
                .collect();
            return Err(TestCaseError::fail(format!(
                "delivery order {order:?} ({options:?}) diverged from in-order delivery\nwant {want:#?}\ngot {got:#?}"
            )));
        }
    }
    Ok(())
}

fn every_order_converges(backend: Backend) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let db = rt.block_on(migrated(backend));
    let mut runner =
        TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (scenario(), proptest::collection::vec(any::<u64>(), 3));
    let result = runner.run(&strategy, |((steps, delete_zone, spread), seeds)| {
        rt.block_on(run_case(&db.conn, &steps, delete_zone, spread, &seeds))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn every_order_converges_sqlite() {
    every_order_converges(Backend::Sqlite)
}

#[test]
fn every_order_converges_mysql() {
    every_order_converges(Backend::MySql)
}
