//! The publisher: the due outbox rows read in `change_id` order, each change loaded as
//! `/api/changes` has it, filtered, sent to a [`Sink`], and its row deleted once the sink took
//! it; a failed send keeps the row, counts the attempt and backs it off. Then the same for
//! the findings' outbox (`finding_outbox`, in `id` order): each finding loaded as
//! `/api/findings` has it, sent as `Finding Opened` / `Finding Resolved`.
//!
//! The publisher only reads `record_changes` and `findings` and works on `change_outbox` and
//! `finding_outbox`, each statement on its own: it never holds, slows or fails the writer's
//! or the findings engine's transaction. A database error is logged and the pass retried
//! later.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use api::findings::FindingItem;
use api::history::FeedItem;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use zonetrail_model::Timestamp;
use zonetrail_model::emf::{EmfLine, Unit};
use zonetrail_model::entity::{change_outbox, finding_outbox};

use crate::{
    ChangeEvent, DETAIL_TYPE, Event, FINDING_RESOLVED, Filter, FindingChange, FindingEvent,
    MAX_EVENT_BYTES, SOURCE, Sink,
};

/// Outbox rows read in one pass (of each outbox).
pub const DEFAULT_BATCH_SIZE: u64 = 100;
/// The first retry's delay; each further failure doubles it.
pub const DEFAULT_RETRY_MIN: Duration = Duration::from_secs(1);
/// The longest delay between two attempts.
pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(300);
/// How often [`Publisher::run`] looks at the outbox when nothing woke it.
pub const DEFAULT_POLL: Duration = Duration::from_secs(1);

/// What one pass did (changes and findings together).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Events a sink took (their rows deleted).
    pub sent: u64,
    /// Changes the filter excluded (their rows deleted, nothing sent).
    pub filtered: u64,
    /// Events a sink refused or did not answer for (their rows backed off).
    pub failed: u64,
    /// Rows whose change or finding no longer exists (history rewritten since), or whose
    /// event is not one this build knows: deleted.
    pub missing: u64,
    /// More rows were due than one pass reads.
    pub more: bool,
}

impl Report {
    fn add(&mut self, other: Report) {
        self.sent += other.sent;
        self.filtered += other.filtered;
        self.failed += other.failed;
        self.missing += other.missing;
        self.more |= other.more;
    }

    /// Nothing was due.
    pub fn is_empty(&self) -> bool {
        self.sent + self.filtered + self.failed + self.missing == 0
    }

    /// The pass's counts as one CloudWatch EMF line (dimension `Stage=notify`): `NotifySent`,
    /// `NotifyFailed`, `NotifyFiltered`, with the sink's name as a property.
    pub fn emf_line(&self, sink: &str, now: Timestamp) -> String {
        EmfLine::new("notify")
            .property("sink", sink)
            .metric("NotifySent", Unit::Count, self.sent)
            .metric("NotifyFailed", Unit::Count, self.failed)
            .metric("NotifyFiltered", Unit::Count, self.filtered + self.missing)
            .to_line(now)
    }
}

impl Filter {
    /// Whether `item` is published: in the zones (if any are named), not by an ignored actor
    /// (its ARN or its role), from one of the sources (if any are named), and not backfilled
    /// history unless [`Filter::backfill`].
    pub fn admits(&self, item: &FeedItem) -> bool {
        let change = &item.change;
        if !self.zones.is_empty() && !self.zones.contains(&item.zone_id) {
            return false;
        }
        let by = |who: &Option<String>| {
            who.as_deref().is_some_and(|who| self.ignore_actors.iter().any(|a| a == who))
        };
        if by(&change.actor) || by(&change.actor_role) {
            return false;
        }
        if !self.sources.is_empty() && !self.sources.contains(&change.source) {
            return false;
        }
        if change.via.as_deref() == Some("backfill") && !self.backfill {
            return false;
        }
        true
    }

    /// Whether a finding's event is published: its record is in the zones (if any are
    /// named). Actors, sources and backfill do not apply to findings.
    pub fn admits_finding(&self, item: &FindingItem) -> bool {
        self.zones.is_empty() || self.zones.contains(&item.record.zone_id)
    }
}

/// The largest serialized detail: one EventBridge entry counts its source and detail-type
/// too, within [`MAX_EVENT_BYTES`].
pub const MAX_DETAIL_BYTES: usize = MAX_EVENT_BYTES - SOURCE.len() - DETAIL_TYPE.len();

impl ChangeEvent {
    /// The event of `item`, with `before` and `after` left out (`null`) and `truncated` set
    /// when the whole would exceed [`MAX_DETAIL_BYTES`]: too large is sent smaller, never
    /// dropped.
    pub fn fitted(item: FeedItem) -> Self {
        let mut event = ChangeEvent { item, truncated: false };
        if event.to_json().len() > MAX_DETAIL_BYTES {
            event.item.change.before = None;
            event.item.change.after = None;
            event.truncated = true;
        }
        event
    }

    /// The detail as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a change event serializes")
    }
}

/// The largest serialized finding detail (the longer detail-type counted).
pub const MAX_FINDING_DETAIL_BYTES: usize = MAX_EVENT_BYTES - SOURCE.len() - FINDING_RESOLVED.len();

impl FindingEvent {
    /// The event of `item`, with its `evidence` left out (`null`) and `truncated` set when the
    /// whole would exceed [`MAX_FINDING_DETAIL_BYTES`].
    pub fn fitted(change: FindingChange, item: FindingItem, at: Timestamp) -> Self {
        let mut event = FindingEvent { change, item, at, truncated: false };
        if event.to_json().len() > MAX_FINDING_DETAIL_BYTES {
            event.item.evidence = serde_json::Value::Null;
            event.truncated = true;
        }
        event
    }

    /// The detail as JSON text: the finding as `/api/findings` has it, plus `truncated: true`
    /// when its evidence was left out.
    pub fn to_json(&self) -> String {
        if !self.truncated {
            return serde_json::to_string(&self.item).expect("a finding serializes");
        }
        let mut value = serde_json::to_value(&self.item).expect("a finding serializes");
        if let serde_json::Value::Object(fields) = &mut value {
            fields.insert("truncated".into(), serde_json::Value::Bool(true));
        }
        value.to_string()
    }
}

/// Which outbox a row is in: its key is `change_outbox.change_id` or `finding_outbox.id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outbox {
    Changes,
    Findings,
}

/// The delay before attempt `attempts + 1`, after `attempts` (≥ 1) failed ones: `min`
/// doubled for each failure after the first, plus up to a quarter of jitter so that rows
/// that failed together do not retry together; at most `max` (jittered down from it).
pub fn backoff(attempts: i32, min: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let base = min.saturating_mul(2u32.saturating_pow(doublings));
    let wait = base.mul_f64(rand::random_range(1.0..=1.25));
    if wait > max { max.mul_f64(rand::random_range(0.8..=1.0)) } else { wait }
}

/// Reads the outbox and hands its changes to a sink. See the module's documentation.
pub struct Publisher<S: Sink> {
    db: DatabaseConnection,
    sink: S,
    filter: Filter,
    batch_size: u64,
    retry_min: Duration,
    retry_max: Duration,
    poll: Duration,
    emf: bool,
}

impl<S: Sink> Publisher<S> {
    pub fn new(db: DatabaseConnection, sink: S, filter: Filter) -> Self {
        Self {
            db,
            sink,
            filter,
            batch_size: DEFAULT_BATCH_SIZE,
            retry_min: DEFAULT_RETRY_MIN,
            retry_max: DEFAULT_RETRY_MAX,
            poll: DEFAULT_POLL,
            emf: true,
        }
    }

    /// Outbox rows read in one pass (at least 1).
    pub fn batch_size(mut self, rows: u64) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// The first retry's delay and the longest one (see [`backoff`]).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.retry_min = min;
        self.retry_max = max.max(min);
        self
    }

    /// How often [`Publisher::run`] looks at the outbox when nothing woke it.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll = every;
        self
    }

    /// Print each pass that did something as a CloudWatch EMF line on stdout (on by default,
    /// as the Lambdas do; `zonetrail up` keeps its terminal for people).
    pub fn emf(mut self, on: bool) -> Self {
        self.emf = on;
        self
    }

    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// One pass over the due outbox rows: at most the batch size of changes, in `change_id`
    /// order, then at most the batch size of findings' events, in `finding_outbox.id` order.
    pub async fn publish_due(&self) -> Result<Report, DbErr> {
        let mut report = self.publish_changes().await?;
        report.add(self.publish_findings().await?);
        if self.emf && !report.is_empty() {
            println!("{}", report.emf_line(self.sink.name(), Utc::now()));
        }
        Ok(report)
    }

    async fn publish_changes(&self) -> Result<Report, DbErr> {
        let now = Utc::now();
        let mut rows = change_outbox::Entity::find()
            .filter(change_outbox::Column::NextAttemptAt.lte(now))
            .order_by_asc(change_outbox::Column::ChangeId)
            .limit(self.batch_size + 1)
            .all(&self.db)
            .await?;
        let mut report = Report { more: rows.len() as u64 > self.batch_size, ..Report::default() };
        rows.truncate(self.batch_size as usize);
        if rows.is_empty() {
            return Ok(report);
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.change_id).collect();
        let items = api::history::feed_items(&self.db, &ids).await.map_err(api_db_err)?;

        let mut done: Vec<i64> = Vec::new();
        let found: std::collections::HashSet<i64> = items.iter().map(|i| i.change.id).collect();
        for id in &ids {
            if !found.contains(id) {
                report.missing += 1;
                done.push(*id);
            }
        }
        let attempts: HashMap<i64, i32> = rows.iter().map(|r| (r.change_id, r.attempts)).collect();
        let mut events = Vec::with_capacity(items.len());
        for item in items {
            if self.filter.admits(&item) {
                let id = item.change.id;
                let tried = attempts.get(&id).copied().unwrap_or(0);
                events.push((id, tried, Event::Change(ChangeEvent::fitted(item))));
            } else {
                report.filtered += 1;
                done.push(item.change.id);
            }
        }
        self.delete(Outbox::Changes, &done).await?;
        self.send_events(Outbox::Changes, events, &mut report).await?;
        Ok(report)
    }

    async fn publish_findings(&self) -> Result<Report, DbErr> {
        let now = Utc::now();
        let mut rows = finding_outbox::Entity::find()
            .filter(finding_outbox::Column::NextAttemptAt.lte(now))
            .order_by_asc(finding_outbox::Column::Id)
            .limit(self.batch_size + 1)
            .all(&self.db)
            .await?;
        let mut report = Report { more: rows.len() as u64 > self.batch_size, ..Report::default() };
        rows.truncate(self.batch_size as usize);
        if rows.is_empty() {
            return Ok(report);
        }
        let mut ids: Vec<i64> = rows.iter().map(|r| r.finding_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let items: HashMap<i64, FindingItem> = api::findings::finding_items(&self.db, &ids)
            .await
            .map_err(api_db_err)?
            .into_iter()
            .map(|item| (item.id, item))
            .collect();

        let mut done: Vec<i64> = Vec::new();
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(change) = FindingChange::parse(&row.event) else {
                tracing::warn!(
                    outbox_id = row.id,
                    finding_id = row.finding_id,
                    event = %row.event,
                    "a finding outbox row with an unknown event; dropped"
                );
                report.missing += 1;
                done.push(row.id);
                continue;
            };
            match items.get(&row.finding_id) {
                None => {
                    report.missing += 1;
                    done.push(row.id);
                }
                Some(item) if !self.filter.admits_finding(item) => {
                    report.filtered += 1;
                    done.push(row.id);
                }
                Some(item) => {
                    let event = FindingEvent::fitted(change, item.clone(), row.enqueued_at);
                    events.push((row.id, row.attempts, Event::Finding(event)));
                }
            }
        }
        self.delete(Outbox::Findings, &done).await?;
        self.send_events(Outbox::Findings, events, &mut report).await?;
        Ok(report)
    }

    /// Hand `events` (outbox key, attempts so far, event) to the sink in batches; delete the
    /// rows it took, back off the others.
    async fn send_events(
        &self,
        outbox: Outbox,
        events: Vec<(i64, i32, Event)>,
        report: &mut Report,
    ) -> Result<(), DbErr> {
        let mut events = events.into_iter().peekable();
        let size = self.sink.max_batch().max(1);
        while events.peek().is_some() {
            let chunk: Vec<(i64, i32, Event)> = events.by_ref().take(size).collect();
            let (keys, batch): (Vec<(i64, i32)>, Vec<Event>) =
                chunk.into_iter().map(|(key, tried, event)| ((key, tried), event)).unzip();
            let results = self.sink.send(&batch).await;
            let mut taken = Vec::new();
            for (i, ((key, tried), event)) in keys.into_iter().zip(&batch).enumerate() {
                let result = results
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| Err(crate::SendError("the sink gave no answer".into())));
                match result {
                    Ok(()) => {
                        report.sent += 1;
                        taken.push(key);
                    }
                    Err(e) => {
                        report.failed += 1;
                        let attempts = tried.saturating_add(1);
                        let wait = backoff(attempts, self.retry_min, self.retry_max);
                        match event {
                            Event::Change(_) => tracing::error!(
                                change_id = key,
                                sink = self.sink.name(),
                                reason = %e,
                                attempts,
                                retry_in_ms = wait.as_millis() as u64,
                                "notification not sent; it will be retried"
                            ),
                            Event::Finding(f) => tracing::error!(
                                finding_id = f.item.id,
                                event = f.change.as_str(),
                                sink = self.sink.name(),
                                reason = %e,
                                attempts,
                                retry_in_ms = wait.as_millis() as u64,
                                "finding notification not sent; it will be retried"
                            ),
                        }
                        self.back_off(outbox, key, attempts, &e.0, wait).await?;
                    }
                }
            }
            self.delete(outbox, &taken).await?;
        }
        Ok(())
    }

    async fn delete(&self, outbox: Outbox, keys: &[i64]) -> Result<(), DbErr> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys = keys.iter().copied();
        match outbox {
            Outbox::Changes => {
                change_outbox::Entity::delete_many()
                    .filter(change_outbox::Column::ChangeId.is_in(keys))
                    .exec(&self.db)
                    .await?;
            }
            Outbox::Findings => {
                finding_outbox::Entity::delete_many()
                    .filter(finding_outbox::Column::Id.is_in(keys))
                    .exec(&self.db)
                    .await?;
            }
        }
        Ok(())
    }

    async fn back_off(
        &self,
        outbox: Outbox,
        key: i64,
        attempts: i32,
        reason: &str,
        wait: Duration,
    ) -> Result<(), DbErr> {
        let next = Utc::now()
            + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::minutes(5));
        // Kept short: a receiver's whole error page is not worth a TEXT column.
        let reason: String = reason.chars().take(1000).collect();
        match outbox {
            Outbox::Changes => {
                change_outbox::Entity::update_many()
                    .col_expr(change_outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(change_outbox::Column::LastError, Expr::value(reason))
                    .col_expr(change_outbox::Column::NextAttemptAt, Expr::value(next))
                    .filter(change_outbox::Column::ChangeId.eq(key))
                    .exec(&self.db)
                    .await?;
            }
            Outbox::Findings => {
                finding_outbox::Entity::update_many()
                    .col_expr(finding_outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(finding_outbox::Column::LastError, Expr::value(reason))
                    .col_expr(finding_outbox::Column::NextAttemptAt, Expr::value(next))
                    .filter(finding_outbox::Column::Id.eq(key))
                    .exec(&self.db)
                    .await?;
            }
        }
        Ok(())
    }

    /// How long until the earliest outbox row is due (zero if one is due now), at most the
    /// poll interval.
    async fn next_due_in(&self) -> Result<Duration, DbErr> {
        let change = change_outbox::Entity::find()
            .order_by_asc(change_outbox::Column::NextAttemptAt)
            .one(&self.db)
            .await?
            .map(|row| row.next_attempt_at);
        let finding = finding_outbox::Entity::find()
            .order_by_asc(finding_outbox::Column::NextAttemptAt)
            .one(&self.db)
            .await?
            .map(|row| row.next_attempt_at);
        let first = match (change, finding) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(match first {
            Some(at) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO),
            None => self.poll,
        }
        .min(self.poll))
    }

    /// Publish until `shutdown`: passes back to back while rows are due, then wait for
    /// `wake` (the writer committed), the poll interval, or the earliest backed-off row. A
    /// pass under way when `shutdown` comes is finished; what is left stays in the outbox for
    /// the next start. A database error is logged and retried with backoff, never fatal.
    pub async fn run(&self, wake: Arc<tokio::sync::Notify>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut db_failures = 0;
        loop {
            let pass = self.publish_due().await;
            let wait = match pass {
                Ok(report) if report.more => Ok(Duration::ZERO),
                Ok(_) => self.next_due_in().await,
                Err(e) => Err(e),
            };
            let wait = match wait {
                Ok(wait) => {
                    db_failures = 0;
                    wait
                }
                Err(e) => {
                    db_failures += 1;
                    let wait = backoff(db_failures, self.retry_min, self.retry_max);
                    tracing::error!(
                        sink = self.sink.name(),
                        error = %e,
                        retry_in_ms = wait.as_millis() as u64,
                        "could not read the notification outbox; retrying"
                    );
                    wait
                }
            };
            tokio::select! {
                biased;
                _ = &mut shutdown => return,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

fn api_db_err(e: api::ApiError) -> DbErr {
    match e {
        api::ApiError::Database(e) => e,
        other => DbErr::Custom(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::history::ChangeView;
    use api::records::view::RecordContent;

    fn content(name: &str, values: &[&str]) -> RecordContent {
        serde_json::from_value(serde_json::json!({
            "name": name, "type": "TXT", "ttl": 60, "values": values,
        }))
        .unwrap()
    }

    fn item(zone: &str, source: &str, actor: Option<&str>, role: Option<&str>) -> FeedItem {
        FeedItem {
            change: ChangeView {
                id: 7,
                action: "update".into(),
                source: source.into(),
                actor: actor.map(Into::into),
                actor_role: role.map(Into::into),
                event_id: actor.map(|_| "ev-1".into()),
                observed_at: Utc::now(),
                before: Some(content("www.example.com.", &["\"a\""])),
                after: Some(content("www.example.com.", &["\"b\""])),
                via: None,
                before_unknown: false,
                comment: None,
                annotation_before: None,
                annotation_after: None,
            },
            record_id: 3,
            zone_id: zone.into(),
            zone_name: Some("example.com.".into()),
            account_id: Some("123456789012".into()),
            account_name: None,
            name: "www.example.com.".into(),
            record_type: "TXT".into(),
            set_identifier: None,
        }
    }

    const ROLE: &str = "arn:aws:iam::123456789012:role/iac";
    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/iac/ci-42";

    #[test]
    fn an_empty_filter_admits_everything_but_backfilled_history() {
        let f = Filter::default();
        assert!(f.admits(&item("Z1", "event", Some(SESSION), Some(ROLE))));
        assert!(f.admits(&item("Z1", "sweep", None, None)), "drift is news too");
        assert!(f.admits(&item("Z1", "reconcile", None, None)));
        let mut old = item("Z1", "event", Some(SESSION), Some(ROLE));
        old.change.via = Some("backfill".into());
        assert!(!f.admits(&old), "old news stays quiet");
        assert!(Filter { backfill: true, ..Filter::default() }.admits(&old));
    }

    #[test]
    fn zones_sources_and_ignored_actors_narrow_it() {
        let zones = Filter { zones: vec!["Z1".into(), "Z2".into()], ..Filter::default() };
        assert!(zones.admits(&item("Z2", "event", None, None)));
        assert!(!zones.admits(&item("Z3", "event", None, None)));

        let by_role = Filter { ignore_actors: vec![ROLE.into()], ..Filter::default() };
        assert!(!by_role.admits(&item("Z1", "event", Some(SESSION), Some(ROLE))));
        assert!(by_role.admits(&item("Z1", "event", Some("arn:aws:iam::1:user/alice"), None)));
        assert!(by_role.admits(&item("Z1", "sweep", None, None)), "no actor is not ignored");
        let by_arn = Filter { ignore_actors: vec![SESSION.into()], ..Filter::default() };
        assert!(!by_arn.admits(&item("Z1", "event", Some(SESSION), Some(ROLE))));

        let sources =
            Filter { sources: vec!["sweep".into(), "reconcile".into()], ..Filter::default() };
        assert!(sources.admits(&item("Z1", "reconcile", None, None)));
        assert!(!sources.admits(&item("Z1", "event", Some(SESSION), None)));
    }

    #[test]
    fn an_event_too_large_is_sent_without_before_and_after_never_dropped() {
        let small = ChangeEvent::fitted(item("Z1", "event", Some(SESSION), Some(ROLE)));
        assert!(!small.truncated);
        let v: serde_json::Value = serde_json::from_str(&small.to_json()).unwrap();
        assert!(v.get("truncated").is_none(), "only a truncated event says so");
        assert_eq!(v["before"]["values"][0], "\"a\"");

        // 300 KB of TXT values: over EventBridge's 256 KB.
        let mut big = item("Z1", "event", Some(SESSION), Some(ROLE));
        let chunk = format!("\"{}\"", "x".repeat(250));
        let values: Vec<&str> = std::iter::repeat_n(chunk.as_str(), 1200).collect();
        big.change.after = Some(content("www.example.com.", &values));
        let event = ChangeEvent::fitted(big);
        assert!(event.truncated);
        let json = event.to_json();
        assert!(json.len() <= MAX_DETAIL_BYTES);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["truncated"], true);
        assert!(v["before"].is_null() && v["after"].is_null());
        assert_eq!((v["id"].as_i64(), v["name"].as_str()), (Some(7), Some("www.example.com.")));
        assert_eq!(v["action"], "update");
        assert_eq!(v["actor"], SESSION);
    }

    #[test]
    fn backoff_doubles_from_the_minimum_up_to_the_cap_with_jitter() {
        let (min, max) = (Duration::from_secs(1), Duration::from_secs(300));
        for _ in 0..50 {
            let first = backoff(1, min, max);
            assert!(first >= min && first <= Duration::from_millis(1250), "{first:?}");
            let third = backoff(3, min, max);
            assert!(third >= Duration::from_secs(4) && third <= Duration::from_secs(5));
            let late = backoff(40, min, max);
            assert!(late >= Duration::from_secs(240) && late <= max, "{late:?}");
        }
        let samples: std::collections::HashSet<Duration> =
            (0..20).map(|_| backoff(5, min, max)).collect();
        assert!(samples.len() > 1, "jittered");
    }

    #[test]
    fn the_metric_line_counts_sent_and_failed() {
        let r = Report { sent: 3, failed: 2, filtered: 1, missing: 1, more: false };
        let v: serde_json::Value =
            serde_json::from_str(&r.emf_line("webhook", Utc::now())).unwrap();
        assert_eq!((v["NotifySent"].as_u64(), v["NotifyFailed"].as_u64()), (Some(3), Some(2)));
        assert_eq!(v["NotifyFiltered"], 2);
        assert_eq!((v["Stage"].as_str(), v["sink"].as_str()), (Some("notify"), Some("webhook")));
    }
}
