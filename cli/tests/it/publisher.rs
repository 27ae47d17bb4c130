//! The notification publisher in process, over the writer's outbox, on SQLite and MariaDB:
//! one pass reads a bounded batch in `change_id` order and says whether more is due; filtered
//! and vanished changes leave the outbox unsent; a failed send stays with its attempt count,
//! reason and backoff, is not due before that, and goes out after. The findings' outbox the
//! same way: `Finding Opened` / `Finding Resolved` with the finding as `/api/findings` has it.

use chrono::Utc;
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zonetrail_model::entity::{
    change_outbox, finding_outbox, findings, record_changes, record_sets,
};
use zonetrail_model::testing::{Backend, database};
use zonetrail_model::{
    Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage, Routing,
};
use zonetrail_model::{Timestamp, ZoneId};
use zonetrail_notify::publisher::{Publisher, Report};
use zonetrail_notify::{Event, Filter, SendError, Sink};
use zonetrail_writer::{ApplyOptions, apply_with};

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const IAC_ROLE: &str = "arn:aws:iam::123456789012:role/iac";

/// Changes' ids sent, failures still to make, and each finding event's detail-type and detail.
type Recorded = (Vec<i64>, usize, Vec<(String, serde_json::Value)>);

#[derive(Clone, Default)]
struct Recording {
    state: Arc<Mutex<Recorded>>,
}

impl Recording {
    fn sent(&self) -> Vec<i64> {
        self.state.lock().unwrap().0.clone()
    }
    fn findings(&self) -> Vec<(String, serde_json::Value)> {
        self.state.lock().unwrap().2.clone()
    }
    fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().1 = n;
    }
}

impl Sink for Recording {
    fn name(&self) -> &'static str {
        "recording"
    }

    async fn send(&self, events: &[Event]) -> Vec<Result<(), SendError>> {
        let mut state = self.state.lock().unwrap();
        events
            .iter()
            .map(|e| {
                if state.1 > 0 {
                    state.1 -= 1;
                    return Err(SendError("the receiver answered 503".into()));
                }
                match e {
                    Event::Change(c) => state.0.push(c.item.change.id),
                    Event::Finding(_) => state.2.push((
                        e.detail_type().to_owned(),
                        serde_json::from_str(&e.to_json()).unwrap(),
                    )),
                }
                Ok(())
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
            comment: None,
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

#[tokio::test(flavor = "multi_thread")]
async fn finding_events_on_sqlite() {
    finding_events(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_events_on_mariadb() {
    finding_events(Backend::MySql).await;
}

/// A finding row as the findings engine writes it.
fn finding(
    record: &record_sets::Model,
    kind: &str,
    subject: &str,
    evidence: serde_json::Value,
    resolved: Option<&str>,
) -> findings::ActiveModel {
    use sea_orm::ActiveValue::{NotSet, Set};
    let now = Utc::now() - chrono::Duration::minutes(1);
    findings::ActiveModel {
        id: NotSet,
        kind: Set(kind.into()),
        severity: Set(if kind.starts_with("dangling") { "high" } else { "medium" }.into()),
        status: Set(if resolved.is_some() { "resolved" } else { "open" }.into()),
        record_id: Set(record.id),
        zone_id: Set(record.zone_id.clone()),
        name: Set(record.name.clone()),
        record_type: Set(record.record_type.clone()),
        set_identifier: Set(record.set_identifier.clone()),
        account_id: Set(None),
        subject: Set(subject.into()),
        evidence: Set(evidence.to_string()),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        resolved_at: Set(resolved.map(|_| now)),
        resolved_reason: Set(resolved.map(Into::into)),
        open_key: Set(resolved.is_none().then(|| format!("{}|{kind}|{subject}", record.id))),
    }
}

async fn finding_events(backend: Backend) {
    use sea_orm::ActiveValue::{NotSet, Set};
    let db = database(backend).await;
    migration::Migrator::up(&db.conn, None).await.unwrap();
    let conn = db.conn.clone();
    let suffix = format!("{}X{}", std::process::id(), rand::random::<u32>());
    let (zone, other) = (
        ZoneId::parse(&format!("ZFIN{suffix}")).unwrap(),
        ZoneId::parse(&format!("ZOTH{suffix}")).unwrap(),
    );
    let t0 = Utc::now() - chrono::Duration::minutes(10);
    let opts = ApplyOptions::default();
    for (z, id, r) in [
        (&zone, "ev-1", rec("www", "35.180.1.1")),
        (&zone, "ev-2", rec("api", "35.180.1.2")),
        (&other, "ev-3", rec("db", "35.180.1.3")),
    ] {
        apply_with(&conn, &event(z, t0, id, None, r), &opts).await.unwrap();
    }
    let record = |name: &str| {
        let conn = conn.clone();
        let name = format!("{name}.publish.example.");
        async move {
            record_sets::Entity::find()
                .filter(record_sets::Column::Name.eq(name))
                .one(&conn)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let (www, api, dbr) = (record("www").await, record("api").await, record("db").await);
    let ip_evidence = |ip: &str| {
        serde_json::json!({
            "ip": ip, "range": "35.180.0.0/16", "range_region": "eu-west-3",
            "accounts_checked": ["123456789012"], "regions_checked": ["eu-west-3"],
        })
    };
    let mut ids = Vec::new();
    for f in [
        finding(&www, "dangling_ip", "35.180.1.1", ip_evidence("35.180.1.1"), None),
        finding(
            &api,
            "dangling_ip",
            "35.180.1.2",
            ip_evidence("35.180.1.2"),
            Some("resource exists"),
        ),
        finding(&dbr, "dangling_ip", "35.180.1.3", ip_evidence("35.180.1.3"), None),
    ] {
        ids.push(findings::Entity::insert(f).exec(&conn).await.unwrap().last_insert_id);
    }
    let (f_www, f_api, f_db) = (ids[0], ids[1], ids[2]);
    let at = Utc::now() - chrono::Duration::seconds(5);
    for (finding_id, event) in [
        (f_www, "opened"),
        (f_api, "opened"),
        (f_api, "resolved"),
        (f_db, "opened"),
        (f_www + f_api + f_db + 1000, "opened"),
        (f_www, "reopened?"),
    ] {
        finding_outbox::Entity::insert(finding_outbox::ActiveModel {
            id: NotSet,
            finding_id: Set(finding_id),
            event: Set(event.into()),
            enqueued_at: Set(at),
            attempts: Set(0),
            next_attempt_at: Set(at),
            last_error: Set(None),
        })
        .exec(&conn)
        .await
        .unwrap();
    }

    let sink = Recording::default();
    let publisher = Publisher::new(
        conn.clone(),
        sink.clone(),
        Filter { zones: vec![zone.to_string()], ..Filter::default() },
    )
    .backoff(Duration::from_millis(300), Duration::from_secs(1))
    .emf(false);

    // The first event's send fails; the other zone's is filtered; a finding that is gone and
    // an event this build does not know are dropped.
    sink.fail_next(1);
    let first = publisher.publish_due().await.unwrap();
    assert_eq!(first, Report { sent: 2, filtered: 1, failed: 1, missing: 2, more: false });
    let got = sink.findings();
    let types: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, vec!["Finding Opened", "Finding Resolved"]);
    for (_, detail) in &got {
        // The finding as it is now, the same in both events: consumers dedupe by (id, type).
        assert_eq!(detail["id"], f_api);
        assert_eq!(
            (detail["kind"].as_str(), detail["severity"].as_str()),
            (Some("dangling_ip"), Some("high"))
        );
        assert_eq!(detail["status"], "resolved");
        assert_eq!(detail["resolved_reason"], "resource exists");
        assert_eq!(detail["record"]["id"], api.id);
        assert_eq!(detail["record"]["zone_id"], zone.to_string());
        assert_eq!(detail["record"]["name"], "api.publish.example.");
        assert_eq!(detail["record"]["type"], "A");
        assert_eq!(detail["evidence"]["ip"], "35.180.1.2");
        assert!(detail["summary"].as_str().is_some_and(|s| !s.is_empty()), "{detail}");
        assert!(detail.get("truncated").is_none());
    }
    let left = finding_outbox::Entity::find().all(&conn).await.unwrap();
    assert_eq!(left.len(), 1, "only the failed one stays: {left:?}");
    let row = &left[0];
    assert_eq!((row.finding_id, row.event.as_str(), row.attempts), (f_www, "opened", 1));
    assert_eq!(row.last_error.as_deref(), Some("the receiver answered 503"));
    assert!(row.next_attempt_at > Utc::now(), "backed off");
    assert!(publisher.publish_due().await.unwrap().is_empty(), "not due yet");

    tokio::time::sleep(Duration::from_millis(450)).await;
    let retried = publisher.publish_due().await.unwrap();
    assert_eq!(retried, Report { sent: 1, ..Report::default() });
    let (kind, detail) = sink.findings().pop().unwrap();
    assert_eq!(kind, "Finding Opened");
    assert_eq!((detail["id"].as_i64(), detail["status"].as_str()), (Some(f_www), Some("open")));
    assert!(detail["resolved_at"].is_null() && detail["resolved_reason"].is_null());
    assert_eq!(detail["record"]["name"], "www.publish.example.");
    assert!(finding_outbox::Entity::find().all(&conn).await.unwrap().is_empty());
    assert!(sink.sent().is_empty(), "no change was in the outbox");
}
