//! The cases users rely on, each on SQLite and MariaDB.

use zonetrail_model::testing::Backend;
use zonetrail_writer::{ApplyError, apply};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    late_old_upsert_after_delete_does_not_resurrect,
    delete_of_an_unknown_record_keeps_a_later_arriving_older_upsert_dead,
    a_late_observation_lands_in_the_middle_of_history,
    unchanged_content_only_moves_observed_at,
    a_page_equal_to_the_previous_sweeps_refreshes_only_records_that_did_not_change_since,
    reconciliation_deletes_exactly_what_vanished,
    sweep_done_before_its_pages_fails_retryably_then_reconciles,
    zone_deletion_tombstones_every_record_with_history,
    weighted_sets_are_separate_rows_and_a_key_is_one_row,
    replay_adds_no_history,
    poison_messages_are_rejected_without_touching_the_database,
    sub_second_observations_order_correctly,
    old_interior_observations_are_compacted_and_history_stays,
    a_page_split_over_several_messages_counts_when_every_part_is_in,
);

async fn late_old_upsert_after_delete_does_not_resurrect(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    ok(&db.conn, &event(&zone, t(10), "e1", vec![rec("www", None, "192.0.2.1")], vec![])).await;
    ok(&db.conn, &event(&zone, t(20), "e2", vec![], vec![del("www", None)])).await;
    // A sweep page read at 15 arrives last.
    ok(&db.conn, &page(&zone, t(15), "s1", 0, vec![rec("www", None, "192.0.2.9")])).await;

    let snap = snapshot(&db.conn, &zone).await;
    let www = snap.record("www", None);
    assert_eq!(www.deleted_at, Some(t(20)), "still deleted");
    assert!(www.values.is_empty(), "a tombstone has no lookup values");
    let actions: Vec<_> =
        www.history.iter().map(|c| (c.observed_at, c.action.as_str(), c.source.as_str())).collect();
    assert_eq!(
        actions,
        vec![(t(10), "create", "event"), (t(15), "update", "sweep"), (t(20), "delete", "event")]
    );
    assert!(
        www.content.as_deref().unwrap().contains("192.0.2.9"),
        "the tombstone keeps the last content it had"
    );
    assert_eq!(www.history[2].actor.as_deref(), Some(ACTOR));
}

async fn delete_of_an_unknown_record_keeps_a_later_arriving_older_upsert_dead(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    ok(&db.conn, &event(&zone, t(20), "e2", vec![], vec![del("www", None)])).await;
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(
        snap.record("www", None).content,
        None,
        "a tombstone of a record never seen alive has no content"
    );
    assert!(snap.record("www", None).history.is_empty());

    ok(&db.conn, &event(&zone, t(10), "e1", vec![rec("www", None, "192.0.2.1")], vec![])).await;
    let snap = snapshot(&db.conn, &zone).await;
    let www = snap.record("www", None);
    assert_eq!(www.deleted_at, Some(t(20)));
    assert_eq!(
        www.history.iter().map(|c| c.action.as_str()).collect::<Vec<_>>(),
        vec!["create", "delete"]
    );
}

async fn a_late_observation_lands_in_the_middle_of_history(backend: Backend) {
    let db = migrated(backend).await;
    let (in_order, late) = (fresh_zone(), fresh_zone());
    let a = |z| page(z, t(1), "s1", 0, vec![rec("www", None, "192.0.2.1")]);
    let b = |z| event(z, t(2), "e2", vec![rec("www", None, "192.0.2.2")], vec![]);
    let a3 = |z| page(z, t(3), "s2", 0, vec![rec("www", None, "192.0.2.1")]);
    for m in [a(&in_order), b(&in_order), a3(&in_order)] {
        ok(&db.conn, &m).await;
    }
    for m in [a(&late), a3(&late), b(&late)] {
        ok(&db.conn, &m).await;
    }
    let want = snapshot(&db.conn, &in_order).await;
    assert_eq!(
        want.record("www", None)
            .history
            .iter()
            .map(|c| (c.observed_at, c.action.as_str()))
            .collect::<Vec<_>>(),
        vec![(t(1), "create"), (t(2), "update"), (t(3), "update")]
    );
    assert_eq!(snapshot(&db.conn, &late).await, want);
}

async fn unchanged_content_only_moves_observed_at(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    ok(&db.conn, &page(&zone, t(1), "s1", 0, vec![rec("www", None, "192.0.2.1")])).await;
    let applied =
        ok(&db.conn, &page(&zone, t(100), "s2", 0, vec![rec("www", None, "192.0.2.1")])).await;
    assert_eq!(applied.counts.refreshed, 1);
    let snap = snapshot(&db.conn, &zone).await;
    let www = snap.record("www", None);
    assert_eq!(www.history.len(), 1);
    assert_eq!(
        (www.observed_at, www.last_seen_at, www.first_seen_at),
        (t(100), Some(t(100)), Some(t(1)))
    );
    assert_eq!(www.last_sweep_id.as_deref(), Some("s2"));
    assert_eq!(www.values.iter().cloned().collect::<Vec<_>>(), vec!["192.0.2.1".to_string()]);
}

async fn a_page_equal_to_the_previous_sweeps_refreshes_only_records_that_did_not_change_since(
    backend: Backend,
) {
    // A page that lists what the previous sweep's page listed only moves the records' times;
    // a record that changed since must still get its history.
    let db = migrated(backend).await;
    let (zone, reference) = (fresh_zone(), fresh_zone());
    let a = "192.0.2.1";
    let listed = |v: &str| vec![rec("www", None, v), rec("api", None, a), rec("db", None, a)];
    let messages = |z: &zonetrail_model::ZoneId| {
        vec![
            page(z, t(1), "s1", 0, listed(a)),
            // www changes by an event, then a sweep page read before the change arrives late:
            // the newest page observation of www (s2's) no longer shows its current state.
            event(z, t(5), "e5", vec![rec("www", None, "192.0.2.2")], vec![]),
            page(z, t(3), "s2", 0, listed(a)),
            // api is deleted by an event after s2 read it.
            event(z, t(6), "e6", vec![], vec![del("api", None)]),
            page(z, t(7), "s3", 0, listed(a)),
        ]
    };
    for m in messages(&zone) {
        ok(&db.conn, &m).await;
    }
    // The same observations in time order, one at a time.
    let mut in_order = messages(&reference);
    in_order.sort_by_key(|m| m.observed_at());
    for m in in_order {
        ok(&db.conn, &m).await;
    }
    let snap = snapshot(&db.conn, &zone).await;
    let history = |name: &str| {
        snap.record(name, None)
            .history
            .iter()
            .map(|c| (c.observed_at, c.action.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        history("www"),
        vec![
            (t(1), "create".to_string()),
            (t(5), "update".to_string()),
            (t(7), "update".to_string())
        ]
    );
    assert_eq!(
        history("api"),
        vec![
            (t(1), "create".to_string()),
            (t(6), "delete".to_string()),
            (t(7), "create".to_string())
        ]
    );
    assert_eq!(history("db"), vec![(t(1), "create".to_string())]);
    assert_eq!(snap.record("db", None).observed_at, t(7));
    assert_eq!(
        snap.record("www", None).content,
        snapshot(&db.conn, &reference).await.record("www", None).content
    );
    assert_eq!(snap, snapshot(&db.conn, &reference).await);
}

async fn reconciliation_deletes_exactly_what_vanished(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let all = ["a", "b", "c", "d"];
    // Sweep 1 sees a, b, c, d over two pages.
    ok(
        &db.conn,
        &page(&zone, t(1), "s1", 0, all[..2].iter().map(|n| rec(n, None, "192.0.2.1")).collect()),
    )
    .await;
    ok(
        &db.conn,
        &page(&zone, t(2), "s1", 1, all[2..].iter().map(|n| rec(n, None, "192.0.2.1")).collect()),
    )
    .await;
    let first = ok(&db.conn, &done(&zone, "s1", t(0), t(3), 2, 4)).await;
    assert_eq!((first.reconciled, first.counts.tombstoned), (Some(true), 0));

    // During sweep 2 an event creates e after its page was read: the sweep misses it, but it stays.
    ok(&db.conn, &event(&zone, t(105), "e-create", vec![rec("e", None, "192.0.2.5")], vec![]))
        .await;
    // Sweep 2 no longer sees b and d.
    ok(&db.conn, &page(&zone, t(101), "s2", 0, vec![rec("a", None, "192.0.2.1")])).await;
    ok(&db.conn, &page(&zone, t(102), "s2", 1, vec![rec("c", None, "192.0.2.1")])).await;
    let second = ok(&db.conn, &done(&zone, "s2", t(100), t(110), 2, 2)).await;
    assert_eq!((second.reconciled, second.counts.tombstoned), (Some(true), 2));

    let snap = snapshot(&db.conn, &zone).await;
    for gone in ["b", "d"] {
        let r = snap.record(gone, None);
        assert_eq!(r.deleted_at, Some(t(100)), "{gone} is tombstoned at the sweep's start");
        let last = r.history.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.source.as_str(), last.sweep_id.as_deref()),
            ("delete", "reconcile", Some("s2"))
        );
        assert!(r.values.is_empty());
    }
    for kept in ["a", "c", "e"] {
        assert_eq!(snap.record(kept, None).deleted_at, None, "{kept} stays");
        assert!(snap.record(kept, None).history.iter().all(|c| c.action != "delete"));
    }
    // A redelivered sweep_done is a no-op.
    let again = ok(&db.conn, &done(&zone, "s2", t(100), t(110), 2, 2)).await;
    assert_eq!(again.reconciled, Some(false));
    assert_eq!(snapshot(&db.conn, &zone).await, snap);
}

async fn sweep_done_before_its_pages_fails_retryably_then_reconciles(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    ok(&db.conn, &event(&zone, t(1), "e1", vec![rec("old", None, "192.0.2.1")], vec![])).await;
    let d = done(&zone, "s1", t(10), t(20), 2, 3);
    let err = apply(&db.conn, &d).await.unwrap_err();
    assert!(
        matches!(err, ApplyError::SweepIncomplete { pages_applied: 0, pages_expected: 2, .. }),
        "{err}"
    );
    assert!(err.is_retryable());
    assert_eq!(
        snapshot(&db.conn, &zone).await.record("old", None).deleted_at,
        None,
        "nothing reconciled early"
    );

    ok(
        &db.conn,
        &page(
            &zone,
            t(11),
            "s1",
            0,
            vec![rec("a", None, "192.0.2.1"), rec("b", None, "192.0.2.1")],
        ),
    )
    .await;
    let err = apply(&db.conn, &d).await.unwrap_err();
    assert!(matches!(err, ApplyError::SweepIncomplete { pages_applied: 1, .. }), "{err}");
    ok(&db.conn, &page(&zone, t(12), "s1", 1, vec![rec("c", None, "192.0.2.1")])).await;
    let applied = ok(&db.conn, &d).await;
    assert_eq!((applied.reconciled, applied.counts.tombstoned), (Some(true), 1));
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.record("old", None).deleted_at, Some(t(10)));
    for n in ["a", "b", "c"] {
        assert_eq!(snap.record(n, None).deleted_at, None);
    }
}

async fn zone_deletion_tombstones_every_record_with_history(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    ok(&db.conn, &zone_present(&zone, t(0), "main")).await;
    ok(
        &db.conn,
        &page(
            &zone,
            t(1),
            "s1",
            0,
            vec![rec("a", None, "192.0.2.1"), rec("b", Some("blue"), "192.0.2.2")],
        ),
    )
    .await;
    ok(&db.conn, &event(&zone, t(2), "e1", vec![], vec![del("c", None)])).await;
    let applied = ok(&db.conn, &zone_deleted(&zone, t(50), "e-del")).await;
    assert_eq!(applied.counts.tombstoned, 2);
    // An older page arrives after the deletion: placed before it, the record stays deleted.
    ok(&db.conn, &page(&zone, t(40), "s2", 0, vec![rec("a", None, "192.0.2.7")])).await;
    // And an older description of the zone does not bring the zone back.
    ok(&db.conn, &zone_present(&zone, t(30), "main")).await;

    let snap = snapshot(&db.conn, &zone).await;
    let (name, _, observed, first_seen, deleted) = snap.zone.clone().expect("zone row");
    assert_eq!(
        (name.as_str(), observed, first_seen, deleted),
        ("example.com.", t(50), t(0), Some(t(50)))
    );
    for (n, set) in [("a", None), ("b", Some("blue"))] {
        let r = snap.record(n, set);
        assert_eq!(r.deleted_at, Some(t(50)));
        let last = r.history.last().unwrap();
        assert_eq!(
            (
                last.action.as_str(),
                last.source.as_str(),
                last.event_id.as_deref(),
                last.actor.as_deref()
            ),
            ("delete", "event", Some("e-del"), Some(ACTOR))
        );
    }
    let a = snap.record("a", None);
    assert_eq!(
        a.history.iter().map(|c| (c.observed_at, c.action.as_str())).collect::<Vec<_>>(),
        vec![(t(1), "create"), (t(40), "update"), (t(50), "delete")]
    );
    assert!(snap.record("c", None).history.is_empty(), "c was never alive");
}

async fn weighted_sets_are_separate_rows_and_a_key_is_one_row(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let m = page(
        &zone,
        t(1),
        "s1",
        0,
        vec![
            rec("api", Some("blue"), "192.0.2.1"),
            rec("api", Some("green"), "192.0.2.2"),
            rec("api", None, "192.0.2.3"),
        ],
    );
    ok(&db.conn, &m).await;
    ok(&db.conn, &m).await;
    ok(&db.conn, &event(&zone, t(2), "e1", vec![rec("api", Some("blue"), "192.0.2.9")], vec![]))
        .await;
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.records.len(), 3, "{:?}", snap.records.keys());
    assert_eq!(
        snap.record("api", Some("green")).values.iter().next().map(String::as_str),
        Some("192.0.2.2")
    );
    assert_eq!(
        snap.record("api", Some("blue")).values.iter().next().map(String::as_str),
        Some("192.0.2.9")
    );
    assert_eq!(snap.record("api", Some("blue")).history.len(), 2);
    assert_eq!(snap.record("api", Some("green")).history.len(), 1);
}

async fn replay_adds_no_history(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let messages = vec![
        zone_present(&zone, t(0), "main"),
        page(&zone, t(1), "s1", 0, vec![rec("a", None, "192.0.2.1"), rec("b", None, "192.0.2.1")]),
        event(&zone, t(5), "e1", vec![rec("a", None, "192.0.2.2")], vec![del("b", None)]),
        page(&zone, t(11), "s2", 0, vec![rec("a", None, "192.0.2.2")]),
        done(&zone, "s2", t(10), t(12), 1, 1),
        event(&zone, t(20), "e2", vec![], vec![del("a", None)]),
    ];
    deliver(&db.conn, &messages, &Default::default()).await.unwrap();
    let before = snapshot(&db.conn, &zone).await;
    assert_eq!(before.history_len(), 5);
    deliver(&db.conn, &messages, &Default::default()).await.unwrap();
    let mut reversed = messages.clone();
    reversed.reverse();
    deliver(&db.conn, &reversed, &Default::default()).await.unwrap();
    assert_eq!(snapshot(&db.conn, &zone).await, before);
}

async fn poison_messages_are_rejected_without_touching_the_database(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let ambiguous = event(
        &zone,
        t(1),
        "e1",
        vec![rec("a", None, "192.0.2.1"), rec("a", None, "192.0.2.2")],
        vec![],
    );
    let both = event(&zone, t(1), "e1", vec![rec("a", None, "192.0.2.1")], vec![del("a", None)]);
    let future = event(
        &zone,
        chrono::Utc::now() + chrono::Duration::days(2),
        "e1",
        vec![rec("a", None, "192.0.2.1")],
        vec![],
    );
    let backwards = done(&zone, "s1", t(10), t(5), 1, 1);
    for m in [ambiguous, both, future, backwards] {
        let err = apply(&db.conn, &m).await.unwrap_err();
        assert!(matches!(err, ApplyError::Invalid(_)), "{err}");
        assert!(!err.is_retryable());
    }
    for body in ["", "{}", "not json", r#"{"v":2,"kind":"records"}"#] {
        let err = zonetrail_writer::apply_body(&db.conn, body).await.unwrap_err();
        assert!(matches!(err, ApplyError::Decode(_)) && !err.is_retryable(), "{err}");
    }
    assert!(snapshot(&db.conn, &zone).await.records.is_empty());
}

async fn sub_second_observations_order_correctly(backend: Backend) {
    // SQLite stores timestamps as text: the order must hold across 0, 3 and 6 fraction digits.
    let db = migrated(backend).await;
    let zone = fresh_zone();
    ok(
        &db.conn,
        &page(&zone, t_micros(10_000_000), "s1", 0, vec![rec("whole", None, "192.0.2.1")]),
    )
    .await;
    ok(
        &db.conn,
        &page(&zone, t_micros(10_500_000), "s1", 1, vec![rec("milli", None, "192.0.2.1")]),
    )
    .await;
    ok(
        &db.conn,
        &page(&zone, t_micros(10_250_001), "s1", 2, vec![rec("micro", None, "192.0.2.1")]),
    )
    .await;
    // A sweep starting at 10.25 that saw none of them: only those observed before its start go.
    ok(
        &db.conn,
        &page(&zone, t_micros(10_600_000), "s2", 0, vec![rec("other", None, "192.0.2.1")]),
    )
    .await;
    ok(&db.conn, &done(&zone, "s2", t_micros(10_250_000), t_micros(10_700_000), 1, 1)).await;
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.record("whole", None).deleted_at, Some(t_micros(10_250_000)));
    // Observed inside the sweep's window: kept.
    assert_eq!(snap.record("milli", None).deleted_at, None);
    assert_eq!(snap.record("micro", None).deleted_at, None);
    assert_eq!(snap.record("micro", None).observed_at, t_micros(10_250_001));
}

async fn old_interior_observations_are_compacted_and_history_stays(backend: Backend) {
    use sea_orm::{ConnectionTrait, Statement};
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let t0 = zonetrail_model::to_micros(chrono::Utc::now() - chrono::Duration::days(30));
    let day = |d: i64| t0 + chrono::Duration::days(d);
    let sweep = |n: &str, d: i64, value: &str| {
        vec![
            page(&zone, day(d) + chrono::Duration::seconds(1), n, 0, vec![rec("www", None, value)]),
            done(&zone, n, day(d), day(d) + chrono::Duration::seconds(2), 1, 1),
        ]
    };
    // Observations kept: `record_observations` rows.
    let observations = || async {
        let backend = db.conn.get_database_backend();
        let mut kept = std::collections::BTreeSet::new();
        for r in db
            .conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT record_id, origin_id FROM record_observations".to_owned(),
            ))
            .await
            .unwrap()
        {
            kept.insert((
                r.try_get::<i64>("", "record_id").unwrap(),
                r.try_get::<i64>("", "origin_id").unwrap(),
            ));
        }
        kept.len()
    };
    for m in [sweep("s1", 0, "192.0.2.1"), sweep("s2", 1, "192.0.2.1"), sweep("s3", 2, "192.0.2.2")]
        .concat()
    {
        ok(&db.conn, &m).await;
    }
    assert_eq!(observations().await, 3);
    // Twenty days on, the next sweep compacts what is older than the horizon: the interior
    // observation by s2 goes, the run starts (s1 created, s3 updated) stay.
    for m in sweep("s4", 20, "192.0.2.2") {
        ok(&db.conn, &m).await;
    }
    assert_eq!(
        observations().await,
        3,
        "s1 and s3 start runs, s4 is new; s2's was interior and old"
    );
    let www = snapshot(&db.conn, &zone).await.record("www", None).clone();
    assert_eq!(
        www.history.iter().map(|c| (c.observed_at, c.action.as_str())).collect::<Vec<_>>(),
        vec![
            (day(0) + chrono::Duration::seconds(1), "create"),
            (day(2) + chrono::Duration::seconds(1), "update")
        ]
    );
    // A late event within the horizon still lands in its place.
    ok(&db.conn, &event(&zone, day(10), "late", vec![rec("www", None, "192.0.2.3")], vec![])).await;
    let www = snapshot(&db.conn, &zone).await.record("www", None).clone();
    assert_eq!(
        www.history.iter().map(|c| (c.observed_at, c.action.as_str())).collect::<Vec<_>>(),
        vec![
            (day(0) + chrono::Duration::seconds(1), "create"),
            (day(2) + chrono::Duration::seconds(1), "update"),
            (day(10), "update"),
            (day(20) + chrono::Duration::seconds(1), "update")
        ]
    );
    assert_eq!(www.observed_at, day(20) + chrono::Duration::seconds(1));
}

async fn a_page_split_over_several_messages_counts_when_every_part_is_in(backend: Backend) {
    use zonetrail_model::{Message, split_records};
    let db = migrated(backend).await;
    let zone = fresh_zone();
    ok(&db.conn, &event(&zone, t(1), "e1", vec![rec("old", None, "192.0.2.1")], vec![])).await;
    let Message::Records(whole) = page(
        &zone,
        t(11),
        "s1",
        0,
        (0..6).map(|i| rec(&format!("h{i}"), None, "192.0.2.1")).collect(),
    ) else {
        unreachable!()
    };
    let parts = split_records(whole, 700).unwrap();
    assert!(parts.len() >= 2, "the page is split");
    let parts: Vec<Message> = parts.into_iter().map(Message::Records).collect();
    let d = done(&zone, "s1", t(10), t(12), 1, 6);

    ok(&db.conn, &parts[0]).await;
    let err = apply(&db.conn, &d).await.unwrap_err();
    assert!(
        matches!(err, ApplyError::SweepIncomplete { pages_applied: 1, record_sets_applied: n, .. } if n < 6),
        "{err}"
    );
    for part in &parts[1..] {
        ok(&db.conn, part).await;
    }
    // A redelivered part is recognised and changes nothing.
    let again = ok(&db.conn, &parts[0]).await;
    assert_eq!(
        again.counts.unchanged as usize,
        match &parts[0] {
            Message::Records(r) => r.upserts.len(),
            _ => 0,
        }
    );
    let applied = ok(&db.conn, &d).await;
    assert_eq!((applied.reconciled, applied.counts.tombstoned), (Some(true), 1));
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.records.values().filter(|r| r.deleted_at.is_none()).count(), 6);
    assert_eq!(snap.record("old", None).deleted_at, Some(t(10)));
}

/// Writers of one zone lock only the records their message names, even when the server's
/// statistics are stale (a zone that just grew, before InnoDB recounted it). Such a plan once
/// read, and locked, the whole zone: another writer holding one record then blocked a message
/// about a different record. SQLite has one writer at a time, so this is MariaDB's case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_locks_only_its_own_records_of_a_zone() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let db = migrated(Backend::MySql).await;
    let sql = |s: &str| Statement::from_string(db.conn.get_database_backend(), s.to_owned());
    // Statistics of the empty table, frozen: what the optimizer sees right after a bulk load.
    db.conn.execute_raw(sql("ALTER TABLE record_sets STATS_AUTO_RECALC = 0")).await.unwrap();
    db.conn.execute_raw(sql("ANALYZE TABLE record_sets")).await.unwrap();
    let zone = fresh_zone();
    let hosts: Vec<_> =
        (0..2_000).map(|i| rec(&format!("host-{i:04}"), None, "192.0.2.1")).collect();
    ok(&db.conn, &page(&zone, t(1), "s1", 0, hosts)).await;

    // Another writer holds one record of the zone...
    let holder = db.conn.begin().await.unwrap();
    let held = format!(
        "SELECT id FROM record_sets WHERE zone_id = '{zone}' AND name = 'host-0000.example.com.' FOR UPDATE"
    );
    assert_eq!(holder.query_all_raw(sql(&held)).await.unwrap().len(), 1);
    // ...while a message about 300 other records of it applies at once. (Over 200 names, the
    // optimizer estimates the range from those statistics instead of reading the index.)
    let mut changes: Vec<_> =
        (1_000..1_299).map(|i| rec(&format!("host-{i:04}"), None, "192.0.2.9")).collect();
    changes.push(rec("new", None, "192.0.2.9"));
    let other = event(&zone, t(2), "e1", changes, vec![]);
    let applied =
        tokio::time::timeout(std::time::Duration::from_secs(10), apply(&db.conn, &other)).await;
    holder.rollback().await.unwrap();
    let applied =
        applied.expect("the message waited for a lock on a record it does not name").unwrap();
    assert_eq!((applied.counts.created, applied.counts.updated), (1, 299));
}
