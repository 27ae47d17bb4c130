//! Notifications (issue 19) as the writer sees them: with `ApplyOptions::outbox`, every history
//! row the writer inserts gets a `change_outbox` row in the same transaction, and nothing
//! else does: a redelivered event, a re-observation and an unchanged sweep add none, and with
//! the option off the outbox stays empty.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use zonetrail_model::entity::{change_outbox, record_changes};
use zonetrail_model::testing::Backend;
use zonetrail_model::{Message, ZoneId};
use zonetrail_writer::{ApplyOptions, apply_with};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    each_history_row_gets_one_outbox_row_and_nothing_else_does,
    without_notifications_the_outbox_stays_empty,
    a_late_observation_enqueues_the_rows_it_adds,
);

fn notifying() -> ApplyOptions {
    ApplyOptions { outbox: true, ..ApplyOptions::default() }
}

async fn send(db: &DatabaseConnection, m: &Message, options: &ApplyOptions) {
    apply_with(db, m, options).await.expect("applies");
}

/// The zone's history row ids, in id order.
async fn change_ids(db: &DatabaseConnection, zone: &ZoneId) -> Vec<i64> {
    record_changes::Entity::find()
        .filter(record_changes::Column::ZoneId.eq(zone.as_str()))
        .order_by_asc(record_changes::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

/// The outbox's change ids among `ids`, in order.
async fn queued(db: &DatabaseConnection, ids: &[i64]) -> Vec<i64> {
    change_outbox::Entity::find()
        .filter(change_outbox::Column::ChangeId.is_in(ids.iter().copied()))
        .order_by_asc(change_outbox::Column::ChangeId)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.change_id)
        .collect()
}

async fn each_history_row_gets_one_outbox_row_and_nothing_else_does(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let opts = notifying();
    let create = event(&zone, t(10), "ev-1", vec![rec("www", None, "192.0.2.1")], vec![]);
    send(&db.conn, &create, &opts).await;
    let ids = change_ids(&db.conn, &zone).await;
    assert_eq!(ids.len(), 1, "one create");
    assert_eq!(queued(&db.conn, &ids).await, ids);
    let row = change_outbox::Entity::find_by_id(ids[0]).one(&db.conn).await.unwrap().unwrap();
    assert_eq!((row.attempts, row.last_error.as_deref()), (0, None));
    assert!(row.next_attempt_at <= chrono::Utc::now());

    // The publisher takes it; a redelivery of the same event adds nothing to publish.
    change_outbox::Entity::delete_many()
        .filter(change_outbox::Column::ChangeId.is_in(ids.clone()))
        .exec(&db.conn)
        .await
        .unwrap();
    send(&db.conn, &create, &opts).await;
    // Neither does a sweep that finds the same content.
    let sweep = page(&zone, t(20), "sw-1", 1, vec![rec("www", None, "192.0.2.1")]);
    send(&db.conn, &sweep, &opts).await;
    assert_eq!(change_ids(&db.conn, &zone).await, ids, "no new history");
    assert!(queued(&db.conn, &ids).await.is_empty(), "nothing new to publish");

    // An update and a delete: one outbox row each, with their own change ids.
    let update = event(&zone, t(30), "ev-2", vec![rec("www", None, "192.0.2.2")], vec![]);
    send(&db.conn, &update, &opts).await;
    let delete = event(&zone, t(40), "ev-3", vec![], vec![del("www", None)]);
    send(&db.conn, &delete, &opts).await;
    let all = change_ids(&db.conn, &zone).await;
    assert_eq!(all.len(), 3);
    assert_eq!(queued(&db.conn, &all).await, all[1..].to_vec());
}

async fn without_notifications_the_outbox_stays_empty(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let opts = ApplyOptions::default();
    send(
        &db.conn,
        &event(&zone, t(10), "ev-1", vec![rec("www", None, "192.0.2.1")], vec![]),
        &opts,
    )
    .await;
    send(&db.conn, &event(&zone, t(20), "ev-2", vec![], vec![del("www", None)]), &opts).await;
    let ids = change_ids(&db.conn, &zone).await;
    assert_eq!(ids.len(), 2);
    assert!(queued(&db.conn, &ids).await.is_empty());
}

async fn a_late_observation_enqueues_the_rows_it_adds(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let opts = notifying();
    send(
        &db.conn,
        &event(&zone, t(10), "ev-1", vec![rec("www", None, "192.0.2.1")], vec![]),
        &opts,
    )
    .await;
    send(
        &db.conn,
        &event(&zone, t(30), "ev-3", vec![rec("www", None, "192.0.2.1")], vec![]),
        &opts,
    )
    .await;
    let before = change_ids(&db.conn, &zone).await;
    change_outbox::Entity::delete_many()
        .filter(change_outbox::Column::ChangeId.is_in(before.clone()))
        .exec(&db.conn)
        .await
        .unwrap();
    // A late B@20 splits the run: history becomes create A, update A->B, update B->A.
    send(
        &db.conn,
        &event(&zone, t(20), "ev-2", vec![rec("www", None, "192.0.2.9")], vec![]),
        &opts,
    )
    .await;
    let after = change_ids(&db.conn, &zone).await;
    assert_eq!(after.len(), 3);
    let added: Vec<i64> = after.iter().copied().filter(|id| !before.contains(id)).collect();
    assert!(!added.is_empty());
    assert_eq!(
        queued(&db.conn, &after).await,
        added,
        "exactly the rows the late observation added"
    );
    let rows = record_changes::Entity::find()
        .filter(record_changes::Column::Id.is_in(added))
        .all(&db.conn)
        .await
        .unwrap();
    assert!(
        rows.iter().any(|r| r.observed_at == t(20)),
        "the row in the past is published with its own time"
    );
}
