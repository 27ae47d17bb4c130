//! A change batch's `Comment` (issue 21): decoded by the ingest's decoder, stored on the
//! event's origin and copied onto every history row that origin starts, live or backfilled,
//! in order or late. A sweep's rows have none.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use zonetrail_ingest::event::{Decoded, decode_event};
use zonetrail_model::entity::{observation_origins, record_changes, record_sets};
use zonetrail_model::testing::Backend;
use zonetrail_model::{Message, Origin, Timestamp, ZoneId};
use zonetrail_writer::{ApplyError, apply};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    a_change_batchs_comment_is_on_its_history_rows_and_a_sweeps_are_null,
    an_over_long_comment_is_poison,
);

/// The EventBridge event of a ChangeResourceRecordSets call with these changes
/// (`(action, name, value)` in example.com) and, if any, this comment.
fn change_event(
    zone: &ZoneId,
    event_id: &str,
    at: Timestamp,
    comment: Option<&str>,
    changes: &[(&str, &str, &str)],
) -> Value {
    let time = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let changes: Vec<Value> = changes
        .iter()
        .map(|(action, name, value)| {
            json!({"action": action, "resourceRecordSet": {
                "name": format!("{name}.example.com."), "type": "A", "tTL": 300,
                "resourceRecords": [{"value": value}],
            }})
        })
        .collect();
    let mut batch = json!({"changes": changes});
    if let Some(comment) = comment {
        batch["comment"] = json!(comment);
    }
    json!({
        "version": "0", "id": format!("eb-{event_id}"),
        "detail-type": "AWS API Call via CloudTrail", "source": "aws.route53",
        "time": time, "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.08", "eventTime": time, "eventSource": "route53.amazonaws.com",
            "eventName": "ChangeResourceRecordSets", "eventID": event_id,
            "userIdentity": {"type": "IAMUser", "arn": ACTOR},
            "requestParameters": {"hostedZoneId": zone.as_str(), "changeBatch": batch},
        }
    })
}

/// The decoder's messages for the event; `backfill` marks them as `zonetrail backfill` does.
fn decoded(event: &Value, backfill: bool) -> Vec<Message> {
    let Ok(Decoded::Plan(plan)) = decode_event(event) else { panic!("decodes: {event}") };
    let mut messages = plan.messages;
    for m in &mut messages {
        if let Message::Records(r) = m
            && let Origin::Event { backfill: b, .. } = &mut r.origin
        {
            *b = backfill;
        }
    }
    messages
}

async fn apply_all(db: &DatabaseConnection, messages: &[Message]) {
    for m in messages {
        ok(db, m).await;
    }
}

/// (name, time, action, source, event id, comment) of the zone's history, in time order.
type Row = (String, Timestamp, String, String, Option<String>, Option<String>);

async fn history(db: &DatabaseConnection, zone: &ZoneId) -> Vec<Row> {
    let names: std::collections::HashMap<i64, String> = record_sets::Entity::find()
        .filter(record_sets::Column::ZoneId.eq(zone.as_str()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.name.trim_end_matches(".example.com.").to_owned()))
        .collect();
    let mut rows: Vec<Row> = record_changes::Entity::find()
        .filter(record_changes::Column::ZoneId.eq(zone.as_str()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            (names[&c.record_id].clone(), c.observed_at, c.action, c.source, c.event_id, c.comment)
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    rows
}

fn row(
    name: &str,
    at: Timestamp,
    action: &str,
    source: &str,
    event: Option<&str>,
    comment: Option<&str>,
) -> Row {
    (name.into(), at, action.into(), source.into(), event.map(Into::into), comment.map(Into::into))
}

/// Seconds after `t(0)`, as an event observation: the end of that second.
fn ev_t(s: i64) -> Timestamp {
    t(s) + chrono::Duration::microseconds(999_999)
}

async fn a_change_batchs_comment_is_on_its_history_rows_and_a_sweeps_are_null(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    const FIRST: &str = "CHG-1: www and api for the launch";
    const LATE: &str = "CHG-2: www to the new load balancer";
    // One batch, a CREATE and an UPSERT (two messages of one origin), with a comment.
    let first = change_event(
        &zone,
        "e1",
        t(10),
        Some(FIRST),
        &[("CREATE", "www", "192.0.2.1"), ("UPSERT", "api", "192.0.2.2")],
    );
    apply_all(&db.conn, &decoded(&first, false)).await;
    // A sweep later sees www changed (drift): its row has no comment.
    ok(&db.conn, &page(&zone, t(30), "s1", 1, vec![rec("www", None, "192.0.2.9")])).await;
    // A batch with no comment.
    let plain = change_event(&zone, "e3", t(40), None, &[("DELETE", "api", "192.0.2.2")]);
    apply_all(&db.conn, &decoded(&plain, false)).await;
    // A late event, before the sweep, splits www's run: the rows rewritten keep their own.
    let late = change_event(&zone, "e2", t(20), Some(LATE), &[("UPSERT", "www", "192.0.2.5")]);
    apply_all(&db.conn, &decoded(&late, false)).await;
    // A backfilled event (older than anything else) carries its comment just the same.
    let old = change_event(&zone, "e0", t(5), Some("imported"), &[("CREATE", "old", "192.0.2.7")]);
    let messages = decoded(&old, true);
    apply_all(&db.conn, &messages).await;
    // And a redelivery of it through the live path changes nothing.
    apply_all(&db.conn, &decoded(&old, false)).await;

    assert_eq!(
        history(&db.conn, &zone).await,
        vec![
            row("api", ev_t(10), "update", "event", Some("e1"), Some(FIRST)),
            row("api", ev_t(40), "delete", "event", Some("e3"), None),
            row("old", ev_t(5), "create", "event", Some("e0"), Some("imported")),
            row("www", ev_t(10), "create", "event", Some("e1"), Some(FIRST)),
            row("www", ev_t(20), "update", "event", Some("e2"), Some(LATE)),
            row("www", t(30), "update", "sweep", None, None),
        ]
    );
    // The origins hold it too: the event's, once per message of the batch; none elsewhere.
    let origins = observation_origins::Entity::find()
        .filter(observation_origins::Column::ZoneId.eq(zone.as_str()))
        .all(&db.conn)
        .await
        .unwrap();
    let mut comments: Vec<(Option<String>, Option<String>)> =
        origins.into_iter().map(|o| (o.event_id.or(o.sweep_id), o.comment)).collect();
    comments.sort();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        comments,
        vec![
            (some("e0"), some("imported")),
            (some("e1"), some(FIRST)),
            (some("e1"), some(FIRST)),
            (some("e2"), some(LATE)),
            (some("e3"), None),
            (some("s1"), None),
        ]
    );
}

async fn an_over_long_comment_is_poison(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let mut m = event(&zone, t(10), "e1", vec![rec("www", None, "192.0.2.1")], vec![]);
    let Message::Records(r) = &mut m else { unreachable!() };
    let Origin::Event { comment, .. } = &mut r.origin else { unreachable!() };
    // Route 53 allows 256 characters; a multi-byte one counts once.
    *comment = Some("é".repeat(256));
    ok(&db.conn, &m).await;
    let zone = fresh_zone();
    let mut m = event(&zone, t(10), "e1", vec![rec("www", None, "192.0.2.1")], vec![]);
    let Message::Records(r) = &mut m else { unreachable!() };
    let Origin::Event { comment, .. } = &mut r.origin else { unreachable!() };
    *comment = Some("x".repeat(257));
    match apply(&db.conn, &m).await {
        Err(e @ ApplyError::Invalid(_)) => assert!(e.to_string().contains("comment"), "{e}"),
        other => panic!("expected an invalid message, got {other:?}"),
    }
    assert!(history(&db.conn, &zone).await.is_empty(), "nothing written");
}
