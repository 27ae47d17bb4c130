//! Accounts (issue 16): a zone's account, `zones_listed` and `account_status`, each on SQLite
//! and MariaDB.

use sea_orm::{DatabaseConnection, EntityTrait};
use zonetrail_model::entity::accounts;
use zonetrail_model::testing::Backend;
use zonetrail_model::{AccountId, AccountState, Message, ZoneId};
use zonetrail_writer::{ApplyError, ApplyOptions, apply_body, apply_with};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    a_zone_deleted_without_an_event_is_tombstoned_by_the_listing_with_its_records,
    a_listing_touches_only_its_own_account,
    a_late_older_description_does_not_bring_a_listed_out_zone_back,
    a_listing_applied_before_the_zone_is_known_still_applies,
    null_account_zones_count_only_for_the_default_account,
    a_zone_keeps_its_first_account,
    account_status_keeps_the_newest_of_each_column_in_any_order,
    a_bad_account_id_is_a_decode_error,
);

async fn with_default(
    db: &DatabaseConnection,
    m: &Message,
    default: &AccountId,
) -> zonetrail_writer::Applied {
    let options = ApplyOptions { default_account: Some(default.clone()), ..Default::default() };
    apply_with(db, m, &options).await.unwrap_or_else(|e| panic!("{} failed: {e}", m.kind()))
}

/// A zone with one record, in `account`, described at `at`.
async fn zone_with_record(db: &DatabaseConnection, account: &AccountId, at: i64) -> ZoneId {
    let zone = fresh_zone();
    ok(db, &with_account(zone_present(&zone, t(at), "c"), account)).await;
    let m = event(&zone, t(at), &format!("e-{zone}"), vec![rec("www", None, "192.0.2.1")], vec![]);
    ok(db, &with_account(m, account)).await;
    zone
}

async fn a_zone_deleted_without_an_event_is_tombstoned_by_the_listing_with_its_records(
    backend: Backend,
) {
    let db = migrated(backend).await;
    let account = fresh_account();
    let gone = zone_with_record(&db.conn, &account, 10).await;
    let kept = zone_with_record(&db.conn, &account, 10).await;
    // Created while the listing ran: observed at its start, missing from its list.
    let new = zone_with_record(&db.conn, &account, 100).await;
    assert_eq!(zone_account(&db.conn, &gone).await.as_deref(), Some(account.as_str()));

    let listing = listed(&account, "L1", t(100), t(105), &[&kept]);
    let applied = ok(&db.conn, &listing).await;
    assert_eq!(applied.zone_id, None);
    assert_eq!(applied.counts.tombstoned, 1, "the one record of the gone zone");

    let snap = snapshot(&db.conn, &gone).await;
    assert_eq!(snap.zone.as_ref().unwrap().4, Some(t(100)), "deleted as of the listing's start");
    let www = snap.record("www", None);
    assert_eq!(www.deleted_at, Some(t(100)));
    assert!(www.values.is_empty());
    let last = www.history.last().unwrap();
    assert_eq!((last.action.as_str(), last.source.as_str()), ("delete", "reconcile"));
    assert_eq!(last.sweep_id.as_deref(), Some("L1"));

    for zone in [&kept, &new] {
        let snap = snapshot(&db.conn, zone).await;
        assert_eq!(snap.zone.as_ref().unwrap().4, None, "{zone} stays live");
        assert_eq!(snap.record("www", None).deleted_at, None);
    }
    // A redelivery changes nothing.
    let before = snapshot(&db.conn, &gone).await;
    ok(&db.conn, &listing).await;
    assert_eq!(snapshot(&db.conn, &gone).await, before);
    // An empty list: the account has no zones left (a failed listing is never sent).
    ok(&db.conn, &listed(&account, "L2", t(200), t(201), &[])).await;
    for zone in [&kept, &new] {
        let snap = snapshot(&db.conn, zone).await;
        assert_eq!(snap.zone.as_ref().unwrap().4, Some(t(200)));
        assert_eq!(snap.record("www", None).deleted_at, Some(t(200)));
    }
}

async fn a_listing_touches_only_its_own_account(backend: Backend) {
    let db = migrated(backend).await;
    let (a, b) = (fresh_account(), fresh_account());
    // The same zone name in two accounts: two zones.
    let in_a = zone_with_record(&db.conn, &a, 10).await;
    let in_b = zone_with_record(&db.conn, &b, 10).await;
    assert_eq!(zone_account(&db.conn, &in_b).await.as_deref(), Some(b.as_str()));
    ok(&db.conn, &listed(&a, "L1", t(50), t(51), &[])).await;
    assert!(snapshot(&db.conn, &in_a).await.zone.unwrap().4.is_some(), "a's zone is gone");
    let snap_b = snapshot(&db.conn, &in_b).await;
    assert_eq!(snap_b.zone.as_ref().unwrap().0, "example.com.");
    assert_eq!(snap_b.zone.unwrap().4, None, "b's zone of the same name is untouched");
    assert_eq!(snap_b.records.values().next().unwrap().deleted_at, None);
}

async fn a_late_older_description_does_not_bring_a_listed_out_zone_back(backend: Backend) {
    let db = migrated(backend).await;
    let account = fresh_account();
    let zone = zone_with_record(&db.conn, &account, 10).await;
    ok(&db.conn, &listed(&account, "L1", t(100), t(105), &[])).await;
    // A description read before the listing started, delivered after it.
    ok(&db.conn, &with_account(zone_present(&zone, t(90), "late"), &account)).await;
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.zone.as_ref().unwrap().4, Some(t(100)), "still deleted");
    // One read inside the listing's window wins: the zone was created while it ran.
    ok(&db.conn, &with_account(zone_present(&zone, t(100), "again"), &account)).await;
    assert_eq!(snapshot(&db.conn, &zone).await.zone.unwrap().4, None);
}

async fn a_listing_applied_before_the_zone_is_known_still_applies(backend: Backend) {
    let db = migrated(backend).await;
    let account = fresh_account();
    let zone = fresh_zone();
    ok(&db.conn, &listed(&account, "L1", t(100), t(105), &[])).await;
    // The zone's messages, all observed before the listing, arrive after it.
    let m = event(&zone, t(20), "e1", vec![rec("www", None, "192.0.2.1")], vec![]);
    ok(&db.conn, &with_account(m, &account)).await;
    ok(&db.conn, &with_account(zone_present(&zone, t(10), "c"), &account)).await;
    let snap = snapshot(&db.conn, &zone).await;
    assert_eq!(snap.zone.as_ref().unwrap().4, Some(t(100)));
    let www = snap.record("www", None);
    assert_eq!(www.deleted_at, Some(t(100)));
    assert_eq!(www.history.last().unwrap().source, "reconcile");
}

async fn null_account_zones_count_only_for_the_default_account(backend: Backend) {
    let db = migrated(backend).await;
    let default = fresh_account();
    let other = fresh_account();
    // Written without an account and without a default: no account.
    let zone = fresh_zone();
    ok(&db.conn, &zone_present(&zone, t(10), "c")).await;
    assert_eq!(zone_account(&db.conn, &zone).await, None);
    ok(&db.conn, &listed(&other, "L1", t(50), t(51), &[])).await;
    assert_eq!(snapshot(&db.conn, &zone).await.zone.unwrap().4, None, "not another account's");
    // The default account's listing counts it as its own.
    with_default(&db.conn, &listed(&default, "L2", t(60), t(61), &[]), &default).await;
    assert_eq!(snapshot(&db.conn, &zone).await.zone.unwrap().4, Some(t(60)));

    // A message without an account, with a default: the zone gets the default.
    let second = fresh_zone();
    with_default(&db.conn, &zone_present(&second, t(70), "c"), &default).await;
    assert_eq!(zone_account(&db.conn, &second).await.as_deref(), Some(default.as_str()));
    // The backfill gives every zone without an account the default, once.
    let third = fresh_zone();
    ok(&db.conn, &zone_present(&third, t(70), "c")).await;
    let filled = zonetrail_writer::backfill_default_account(&db.conn, &default).await.unwrap();
    assert!(filled >= 1);
    assert_eq!(zone_account(&db.conn, &third).await.as_deref(), Some(default.as_str()));
    assert_eq!(zonetrail_writer::backfill_default_account(&db.conn, &default).await.unwrap(), 0);
}

async fn a_zone_keeps_its_first_account(backend: Backend) {
    let db = migrated(backend).await;
    let (a, b) = (fresh_account(), fresh_account());
    let zone = fresh_zone();
    // Records first: no row yet, so no account.
    let m = event(&zone, t(5), "e1", vec![rec("www", None, "192.0.2.1")], vec![]);
    ok(&db.conn, &with_account(m, &a)).await;
    ok(&db.conn, &zone_present(&zone, t(10), "c")).await;
    assert_eq!(zone_account(&db.conn, &zone).await, None, "no account named, no default");
    // A records message naming the account fills it in.
    let m = event(&zone, t(20), "e2", vec![rec("api", None, "192.0.2.2")], vec![]);
    ok(&db.conn, &with_account(m, &a)).await;
    assert_eq!(zone_account(&db.conn, &zone).await.as_deref(), Some(a.as_str()));
    // Another account named later is a contract break: the zone keeps its own.
    ok(&db.conn, &with_account(zone_present(&zone, t(30), "c2"), &b)).await;
    assert_eq!(zone_account(&db.conn, &zone).await.as_deref(), Some(a.as_str()));
    ok(&db.conn, &listed(&b, "L1", t(40), t(41), &[])).await;
    assert_eq!(snapshot(&db.conn, &zone).await.zone.unwrap().4, None, "b's listing is not a's");
}

async fn account_row(db: &DatabaseConnection, account: &AccountId) -> accounts::Model {
    accounts::Entity::find_by_id(account.as_str().to_owned()).one(db).await.unwrap().unwrap()
}

async fn account_status_keeps_the_newest_of_each_column_in_any_order(backend: Backend) {
    let db = migrated(backend).await;
    let statuses = |account: &AccountId| {
        vec![
            status(account, "s1", t(10), AccountState::Ok, Some("network"), None),
            status(account, "s2", t(20), AccountState::Error, Some("net-prod"), Some("throttled")),
            status(account, "s3", t(30), AccountState::AccessDenied, None, Some("AccessDenied")),
        ]
    };
    let orders: [&[usize]; 4] = [&[0, 1, 2], &[2, 1, 0], &[1, 2, 0, 0], &[2, 0, 2, 1]];
    let mut rows = Vec::new();
    for order in orders {
        let account = fresh_account();
        let messages = statuses(&account);
        for i in order {
            let applied = ok(&db.conn, &messages[*i]).await;
            assert_eq!((applied.kind, applied.zone_id), ("account_status", None));
        }
        let row = account_row(&db.conn, &account).await;
        assert_eq!(row.status.as_deref(), Some("access_denied"), "{order:?}");
        assert_eq!(row.last_attempt_at, Some(t(30)));
        assert_eq!(row.last_sweep_id.as_deref(), Some("s3"));
        assert_eq!(row.last_success_at, Some(t(10)), "kept across a later access_denied");
        assert_eq!(row.last_error.as_deref(), Some("AccessDenied"));
        assert_eq!(row.last_error_at, Some(t(30)));
        assert_eq!(row.name.as_deref(), Some("net-prod"), "the newest status with a name");
        assert_eq!(row.first_seen_at, t(10));
        rows.push(accounts::Model { account_id: String::new(), ..row });
    }
    assert!(rows.windows(2).all(|w| w[0] == w[1]), "every order gives the same row");
    // A late older ok after a newer one changes nothing but what it is newer for.
    let account = fresh_account();
    ok(&db.conn, &status(&account, "s9", t(50), AccountState::Ok, None, None)).await;
    ok(&db.conn, &status(&account, "s8", t(40), AccountState::Error, None, Some("boom"))).await;
    let row = account_row(&db.conn, &account).await;
    assert_eq!(
        (row.status.as_deref(), row.last_sweep_id.as_deref(), row.last_success_at),
        (Some("ok"), Some("s9"), Some(t(50)))
    );
    assert_eq!((row.last_error.as_deref(), row.last_error_at), (Some("boom"), Some(t(40))));
}

async fn a_bad_account_id_is_a_decode_error(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let good = event(&zone, t(1), "e1", vec![rec("www", None, "192.0.2.1")], vec![]).to_json();
    let bad = good.replacen("{\"v\":1,", "{\"v\":1,\"account_id\":\"12345\",", 1);
    assert!(bad.contains("\"account_id\":\"12345\""));
    let err = apply_body(&db.conn, &bad).await.unwrap_err();
    assert!(matches!(err, ApplyError::Decode(_)), "{err}");
    assert!(!err.is_retryable());
    let account = fresh_account();
    let bad = listed(&account, "L1", t(5), t(6), &[]).to_json().replace(account.as_str(), "1234");
    assert!(matches!(apply_body(&db.conn, &bad).await, Err(ApplyError::Decode(_))), "{bad}");
    // Nothing was written; the good message applies.
    assert!(snapshot(&db.conn, &zone).await.records.is_empty());
    apply_body(&db.conn, &good).await.unwrap();
    assert_eq!(snapshot(&db.conn, &zone).await.records.len(), 1);
}
