//! Migrations `m20261202_000007` and `m20261202_000008` (accounts, at the end).
//!
//! Migration `m20261202_000007`: the observations that migration 6's writer kept in its
//! origins' blobs become `record_observations` rows again, and the writer then carries on as if
//! they had always been rows.
//!
//! The database in the old shape is made the way that writer left it: a zone's messages are
//! applied at schema 6, then every records origin's observation rows are moved into the
//! origin's blob, each record chained from `record_sets.observation_origin_id` through its
//! entries' previous origins. One origin keeps its rows as well, with a run flag the blob
//! contradicts, as after a rebuild wrote a blob's entries as rows: the row must win.

use migration::observation_blob::{ObservedEntry, encode};
use migration::{MigratorTrait, SchemaManager};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::{BTreeSet, HashMap};
use zonetrail_model::testing::{Backend, database};
use zonetrail_model::{Message, Timestamp, ZoneId};

use crate::on_both_backends;
use crate::support::*;

/// A `record_observations` row: record, origin, time, deleted, content hash, starts a run.
type ObsRow = (i64, i64, Timestamp, bool, Option<String>, bool);

async fn observation_rows(db: &DatabaseConnection) -> BTreeSet<ObsRow> {
    let q = "SELECT record_id, origin_id, observed_at, deleted, content_hash, starts_run FROM record_observations";
    db.query_all_raw(Statement::from_string(db.get_database_backend(), q))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("", "record_id").unwrap(),
                r.try_get("", "origin_id").unwrap(),
                r.try_get("", "observed_at").unwrap(),
                r.try_get("", "deleted").unwrap(),
                r.try_get("", "content_hash").unwrap(),
                r.try_get("", "starts_run").unwrap(),
            )
        })
        .collect()
}

/// Move the records origins' observation rows into blobs, as migration 6's writer kept them
/// (see the module docs). Returns how many entries the blobs hold.
async fn into_blobs(db: &DatabaseConnection) -> usize {
    let backend = db.get_database_backend();
    let origins: Vec<i64> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM observation_origins WHERE kind = 'records' ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("", "id").unwrap())
        .collect();
    assert!(origins.len() >= 4, "the scenario has records origins");
    let rows = observation_rows(db).await;
    let both = origins[1];
    let mut head: HashMap<i64, i64> = HashMap::new();
    let mut entries_total = 0;
    for origin in &origins {
        let mut entries = Vec::new();
        for (record, o, _, _, hash, starts_run) in rows.iter().filter(|r| r.1 == *origin) {
            entries.push(ObservedEntry {
                record_id: *record,
                prev_origin_id: head.get(record).copied(),
                // The origin that keeps its rows too gets stale flags in its blob.
                starts_run: if *o == both { !starts_run } else { *starts_run },
                content_hash: hash.clone(),
            });
            head.insert(*record, *origin);
        }
        entries_total += entries.len();
        let update = Query::update()
            .table(Alias::new("observation_origins"))
            .value(Alias::new("observed"), encode(entries).unwrap())
            .and_where(Expr::col(Alias::new("id")).eq(*origin))
            .to_owned();
        db.execute(&update).await.unwrap();
        if *origin != both {
            let delete = Query::delete()
                .from_table(Alias::new("record_observations"))
                .and_where(Expr::col(Alias::new("origin_id")).eq(*origin))
                .to_owned();
            db.execute(&delete).await.unwrap();
        }
    }
    for (record, origin) in head {
        let update = Query::update()
            .table(Alias::new("record_sets"))
            .value(Alias::new("observation_origin_id"), origin)
            .and_where(Expr::col(Alias::new("id")).eq(record))
            .to_owned();
        db.execute(&update).await.unwrap();
    }
    entries_total
}

/// Three sweeps and an event: every record observed several times, one deleted.
fn before(z: &ZoneId) -> Vec<Message> {
    let day = |d: i64| t(d * 86_400);
    let sweep = |id: &str, d: i64, records: Vec<zonetrail_model::RecordSet>| {
        let n = records.len() as u64;
        vec![
            page(z, day(d) + chrono::Duration::seconds(1), id, 0, records),
            done(z, id, day(d), day(d) + chrono::Duration::seconds(2), 1, n),
        ]
    };
    [
        sweep(
            "s1",
            0,
            vec![
                rec("www", None, "192.0.2.1"),
                rec("api", None, "192.0.2.1"),
                rec("mail", None, "192.0.2.1"),
            ],
        ),
        sweep(
            "s2",
            1,
            vec![
                rec("www", None, "192.0.2.1"),
                rec("api", None, "192.0.2.2"),
                rec("mail", None, "192.0.2.1"),
            ],
        ),
        vec![event(z, t(86_400 + 3_600), "e1", vec![], vec![del("mail", None)])],
        sweep("s3", 2, vec![rec("www", None, "192.0.2.1"), rec("api", None, "192.0.2.2")]),
    ]
    .concat()
}

/// Late events that need every earlier observation to find their place, and one more sweep.
fn after(z: &ZoneId) -> Vec<Message> {
    vec![
        event(z, t(-3_600), "late-www", vec![rec("www", None, "192.0.2.9")], vec![]),
        event(z, t(86_400 + 1_800), "late-api", vec![rec("api", None, "192.0.2.3")], vec![]),
        page(
            z,
            t(3 * 86_400 + 1),
            "s4",
            0,
            vec![
                rec("www", None, "192.0.2.1"),
                rec("api", None, "192.0.2.2"),
                rec("mail", None, "192.0.2.5"),
            ],
        ),
        done(z, "s4", t(3 * 86_400), t(3 * 86_400 + 2), 1, 3),
    ]
}

/// The tests below build an older database by applying messages with today's writer, which
/// also writes the columns of migration 9 (`via`, `before_unknown`) and 13 (`comment`). Add
/// them first: both migrations check what exists, so each runs again in its turn and changes
/// nothing the tests look at.
async fn with_todays_writer_columns(conn: &DatabaseConnection) {
    for name in ["m20261203_000009_backfill", "m20261204_000013_annotations"] {
        let m = migration::Migrator::migrations()
            .into_iter()
            .find(|m| m.name() == name)
            .unwrap_or_else(|| panic!("migration {name}"));
        m.up(&SchemaManager::new(conn)).await.unwrap_or_else(|e| panic!("{name}'s columns: {e}"));
    }
}

async fn blobs_become_rows(backend: Backend) {
    // The database as migration 6's writer left it.
    let db = database(backend).await;
    migration::Migrator::up(&db.conn, Some(5)).await.expect("migrations 1 to 6");
    with_todays_writer_columns(&db.conn).await;
    let zone = fresh_zone();
    for m in before(&zone) {
        ok(&db.conn, &m).await;
    }
    let rows = observation_rows(&db.conn).await;
    let before_state = snapshot(&db.conn, &zone).await;
    assert!(into_blobs(&db.conn).await > 0);
    assert!(observation_rows(&db.conn).await.len() < rows.len(), "observations moved into blobs");

    migration::Migrator::up(&db.conn, None).await.expect("migration 7");
    assert_eq!(observation_rows(&db.conn).await, rows, "every blob entry is a row again");
    assert_eq!(snapshot(&db.conn, &zone).await, before_state, "state and history unchanged");
    let schema = SchemaManager::new(&db.conn);
    assert!(!schema.has_column("observation_origins", "observed").await.unwrap());
    assert!(!schema.has_column("record_sets", "observation_origin_id").await.unwrap());

    // The writer carries on as on a database that always kept rows.
    for m in after(&zone) {
        ok(&db.conn, &m).await;
    }
    let reference = migrated(backend).await;
    let other = fresh_zone();
    for m in before(&other).into_iter().chain(after(&other)) {
        ok(&reference.conn, &m).await;
    }
    let converted = snapshot(&db.conn, &zone).await;
    assert_eq!(converted, snapshot(&reference.conn, &other).await);
    // The late events landed before the sweeps: www was created by its event.
    let www = converted.record("www", None);
    assert_eq!(www.history[0].action, "create");
    assert_eq!(www.history[0].event_id.as_deref(), Some("late-www"));
}

/// How many migrations come after the first `n` (there is no migration 2): the steps down to
/// the first `n`.
fn steps_after(n: u32) -> u32 {
    migration::Migrator::migrations().len() as u32 - n
}

async fn down_and_up_again(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    for m in before(&zone) {
        ok(&db.conn, &m).await;
    }
    let rows = observation_rows(&db.conn).await;
    migration::Migrator::down(&db.conn, Some(steps_after(5))).await.expect("migrations 7 on down");
    let schema = SchemaManager::new(&db.conn);
    assert!(schema.has_column("observation_origins", "observed").await.unwrap());
    migration::Migrator::up(&db.conn, None).await.expect("migrations 7 on again");
    assert_eq!(observation_rows(&db.conn).await, rows);
}

/// Migration 8 on a database with zones: they have no account until the writer's start-up
/// backfill gives them the default one; then a listing of that account applies to them, and
/// the migration goes down and up again with the data.
async fn accounts_apply_on_a_database_with_data(backend: Backend) {
    let db = database(backend).await;
    migration::Migrator::up(&db.conn, Some(7)).await.expect("migrations 1 to 7");
    with_todays_writer_columns(&db.conn).await;
    let (zone, other) = (fresh_zone(), fresh_zone());
    for z in [&zone, &other] {
        ok(&db.conn, &zone_present(z, t(0), "before accounts")).await;
        for m in before(z) {
            ok(&db.conn, &m).await;
        }
    }
    let before_state = snapshot(&db.conn, &zone).await;
    migration::Migrator::up(&db.conn, None).await.expect("migration 8");
    let schema = SchemaManager::new(&db.conn);
    assert!(schema.has_column("hosted_zones", "account_id").await.unwrap());
    assert!(schema.has_table("accounts").await.unwrap());
    assert_eq!(snapshot(&db.conn, &zone).await, before_state, "state and history unchanged");
    assert_eq!(zone_account(&db.conn, &zone).await, None);

    let default = fresh_account();
    let filled = zonetrail_writer::backfill_default_account(&db.conn, &default).await.unwrap();
    assert!(filled >= 2, "both zones filled, got {filled}");
    for z in [&zone, &other] {
        assert_eq!(zone_account(&db.conn, z).await.as_deref(), Some(default.as_str()));
    }
    assert_eq!(zonetrail_writer::backfill_default_account(&db.conn, &default).await.unwrap(), 0);
    // The default account's listing: `other` is gone, `zone` is listed.
    let at = t(3 * 86_400);
    ok(&db.conn, &listed(&default, "L1", at, at, &[&zone])).await;
    assert_eq!(snapshot(&db.conn, &zone).await, before_state);
    let gone = snapshot(&db.conn, &other).await;
    assert_eq!(gone.zone.as_ref().unwrap().4, Some(at));
    assert!(gone.records.values().all(|r| r.deleted_at.is_some()));

    migration::Migrator::down(&db.conn, Some(steps_after(6))).await.expect("migrations 8 on down");
    assert!(!schema.has_column("hosted_zones", "account_id").await.unwrap());
    assert!(!schema.has_table("zone_listings").await.unwrap());
    migration::Migrator::up(&db.conn, None).await.expect("migrations 8 on again");
    assert_eq!(snapshot(&db.conn, &zone).await, before_state);
}

on_both_backends!(blobs_become_rows, down_and_up_again, accounts_apply_on_a_database_with_data);
