//! The notification publisher in process, over the writer's outbox, on SQLite and MariaDB:
//! one pass reads a bounded batch in `change_id` order and says whether more is due; filtered
//! and vanished changes leave the outbox unsent; a failed send stays with its attempt count,
//! reason and backoff, is not due before that, and goes out after.

use chrono::Utc;
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zonetrail_model::entity::{change_outbox, record_changes};
use zonetrail_model::testing::{Backend, database};
use zonetrail_model::{
    Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage, Routing,
};
use zonetrail_model::{Timestamp, ZoneId};
use zonetrail_notify::publisher::{Publisher, Report};
use zonetrail_notify::{ChangeEvent, Filter, SendError, Sink};
use zonetrail_writer::{ApplyOptions, apply_with};

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const IAC_ROLE: &str = "arn:aws:iam::123456789012:role/iac";

#[derive(Clone, Default)]
struct Recording {
    state: Arc<Mutex<(Vec<i64>, usize)>>,
}

impl Recording {
    fn sent(&self) -> Vec<i64> {
        self.state.lock().unwrap().0.clone()
    }
    fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().1 = n;
    }
}

impl Sink for Recording {
    fn name(&self) -> &'static str {
        "recording"
    }

    async fn send(&self, events: &[ChangeEvent]) -> Vec<Result<(), SendError>> {
        let mut state = self.state.lock().unwrap();
        events
            .iter()
            .map(|e| {
                if state.1 > 0 {
                    state.1 -= 1;
                    Err(SendError("the receiver answered 503".into()))
                } else {
                    state.0.push(e.item.change.id);
                    Ok(())
                }
            })
            .collect()
    }
}

fn rec(name: &str, value: &str) -> RecordSet {
    RecordSet {
        name: RecordName::parse(&format!("{name}.publish.example.")).unwrap(),
        rtype: RecordType::A,
        set_identifier: None,
        ttl: Some(300),
        values: vec![value.to_owned()],
        alias_target: None,
        routing: Routing::default(),
    }
}

fn event(zone: &ZoneId, at: Timestamp, id: &str, role: Option<&str>, up: RecordSet) -> Message {
    Message::Records(RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: zone.clone(),
        observed_at: at,
        origin: Origin::Event {
            backfill: false,
            event_id: id.into(),
            event_name: "ChangeResourceRecordSets".into(),
            actor: Some(role.map_or(ALICE.to_owned(), |_| {
                "arn:aws:sts::123456789012:assumed-role/iac/ci".to_owned()
            })),
            actor_role: role.map(Into::into),
        },
        upserts: vec![up],
        deletes: vec![],
    })
}

async fn outbox(db: &DatabaseConnection) -> Vec<change_outbox::Model> {
    change_outbox::Entity::find()
        .order_by_asc(change_outbox::Column::ChangeId)
        .all(db)
        .await
        .unwrap()
}

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

#[tokio::test(flavor = "multi_thread")]
async fn publisher_on_sqlite() {
    one_pass_at_a_time(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn publisher_on_mariadb() {
    one_pass_at_a_time(Backend::MySql).await;
}

async fn one_pass_at_a_time(backend: Backend) {
    let db = database(backend).await;
    migration::Migrator::up(&db.conn, None).await.unwrap();
    let conn = db.conn.clone();
    let zone =
        ZoneId::parse(&format!("ZPUB{}X{}", std::process::id(), rand::random::<u32>())).unwrap();
    let opts = ApplyOptions { outbox: true, ..ApplyOptions::default() };
    let t0 = Utc::now() - chrono::Duration::minutes(10);
    let at = |s: i64| t0 + chrono::Duration::seconds(s);
    for m in [
        event(&zone, at(1), "ev-1", None, rec("www", "192.0.2.1")),
        event(&zone, at(2), "ev-2", Some(IAC_ROLE), rec("iac", "192.0.2.2")),
        event(&zone, at(3), "ev-3", None, rec("www", "192.0.2.3")),
    ] {
        apply_with(&conn, &m, &opts).await.unwrap();
    }
    let ids = change_ids(&conn, &zone).await;
    assert_eq!(ids.len(), 3);

    let sink = Recording::default();
    let publisher = Publisher::new(
        conn.clone(),
        sink.clone(),
        Filter { ignore_actors: vec![IAC_ROLE.into()], ..Filter::default() },
    )
    .batch_size(2)
    .backoff(Duration::from_millis(300), Duration::from_secs(1))
    .emf(false);

    // Two rows a pass, in change_id order: the ignored role's change is dropped unsent.
    let first = publisher.publish_due().await.unwrap();
    assert_eq!(first, Report { sent: 1, filtered: 1, failed: 0, missing: 0, more: true });
    let second = publisher.publish_due().await.unwrap();
    assert_eq!(second, Report { sent: 1, more: false, ..Report::default() });
    assert_eq!(sink.sent(), vec![ids[0], ids[2]]);
    assert!(outbox(&conn).await.is_empty());
    assert!(publisher.publish_due().await.unwrap().is_empty());

    // A failed send stays, counted, with its reason, and is not due before its backoff.
    sink.fail_next(1);
    apply_with(&conn, &event(&zone, at(4), "ev-4", None, rec("api", "192.0.2.4")), &opts)
        .await
        .unwrap();
    let failed = publisher.publish_due().await.unwrap();
    assert_eq!((failed.sent, failed.failed), (0, 1));
    let row = outbox(&conn).await.pop().expect("the failed change is still queued");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.last_error.as_deref(), Some("the receiver answered 503"));
    let wait = row.next_attempt_at - Utc::now();
    assert!(
        wait > chrono::Duration::milliseconds(150) && wait <= chrono::Duration::milliseconds(400),
        "{wait:?}"
    );
    assert!(publisher.publish_due().await.unwrap().is_empty(), "not due yet");
    tokio::time::sleep(Duration::from_millis(450)).await;
    let retried = publisher.publish_due().await.unwrap();
    assert_eq!((retried.sent, retried.failed), (1, 0));
    assert_eq!(sink.sent().last(), Some(&row.change_id));
    assert!(outbox(&conn).await.is_empty());

    // A change gone from the history by the time it is published (history rewritten) is
    // dropped, not sent.
    apply_with(&conn, &event(&zone, at(5), "ev-5", None, rec("db", "192.0.2.5")), &opts)
        .await
        .unwrap();
    let row = outbox(&conn).await.pop().unwrap();
    record_changes::Entity::delete_by_id(row.change_id).exec(&conn).await.unwrap();
    let gone = publisher.publish_due().await.unwrap();
    assert_eq!(gone, Report { missing: 1, ..Report::default() });
    assert!(outbox(&conn).await.is_empty());
    assert_eq!(sink.sent().len(), 3);
}
