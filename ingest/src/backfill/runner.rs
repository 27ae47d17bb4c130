//! One account's windows, page by page: each page's observations are sent, then its progress.

use chrono::Utc;
use serde_json::{Value, json};
use zonetrail_model::{
    AccountId, BackfillCounts, BackfillProgress, Message, Origin, Timestamp, to_micros,
};

use super::cloudtrail::{CloudTrail, LookupError, from_smithy};
use super::{BackfillEvent, BackfillObserver, BackfillWindow};
use crate::event::{CLOUDTRAIL_DETAIL_TYPE, Decoded, FollowUp, IgnoreReason, ROUTE53_SOURCE};
use crate::queue::{Queue, QueueError};
use crate::route53::CallError;
use crate::sweep::Deadline;

/// A token refused this many times in a row (each restart reading no page) stops the window
/// instead of looping.
const MAX_TOKEN_RESTARTS: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub(super) enum RunError {
    #[error("window {backfill_id}: {source}")]
    Call { backfill_id: String, source: CallError },
    #[error(
        "window {backfill_id}: CloudTrail refused {MAX_TOKEN_RESTARTS} NextTokens in a row, even after restarting from {read_until}: {last}"
    )]
    TokenLoop { backfill_id: String, read_until: String, last: String },
    #[error("window {backfill_id}: the queue refused a message: {source}")]
    Queue { backfill_id: String, source: QueueError },
}

impl RunError {
    pub(super) fn is_access_denied(&self) -> bool {
        matches!(self, RunError::Call { source, .. } if source.is_access_denied())
    }
}

pub(super) enum WindowEnd {
    Done,
    /// Out of time: the window is as far as it got.
    Paused,
}

pub(super) struct Runner<'a> {
    pub(super) account: AccountId,
    pub(super) cloudtrail: CloudTrail,
    pub(super) queue: &'a dyn Queue,
    pub(super) observer: &'a dyn BackfillObserver,
    pub(super) deadline: Option<Deadline>,
    /// Pages read and what became of their events, in this run only.
    pub(super) pages: u64,
    pub(super) counts: BackfillCounts,
}

impl Runner<'_> {
    /// Read `window` to its end (or until the deadline), sending each page's observations and
    /// then its `backfill_progress`; `window` is kept up to date, so a paused or failed window
    /// can be handed on as it stands.
    pub(super) async fn run_window(
        &mut self,
        window: &mut BackfillWindow,
    ) -> Result<WindowEnd, RunError> {
        let mut refused = 0;
        loop {
            if self.deadline.is_some_and(|d| d.is_near()) {
                return Ok(WindowEnd::Paused);
            }
            let end = match window.next_token {
                Some(_) => window.query_end.unwrap_or(window.until),
                None => window.read_until,
            };
            let page = match self
                .cloudtrail
                .lookup(window.since, end, window.next_token.as_deref())
                .await
            {
                Ok(page) => page,
                Err(LookupError::InvalidToken(last)) => {
                    refused += 1;
                    if refused >= MAX_TOKEN_RESTARTS {
                        return Err(RunError::TokenLoop {
                            backfill_id: window.backfill_id.clone(),
                            read_until: super::time::rfc3339(window.read_until),
                            last,
                        });
                    }
                    tracing::warn!(backfill_id = %window.backfill_id, read_until = %window.read_until, error = %last, "CloudTrail refused the NextToken; reading the rest of the window again from read_until");
                    window.next_token = None;
                    window.query_end = None;
                    continue;
                }
                Err(LookupError::Call(source)) => {
                    return Err(RunError::Call { backfill_id: window.backfill_id.clone(), source });
                }
            };
            refused = 0;
            let mut messages = Vec::new();
            let mut counts = BackfillCounts::default();
            let mut oldest: Option<Timestamp> = None;
            for event in page.events() {
                counts.events += 1;
                let time = event.event_time().and_then(from_smithy);
                if let Some(time) = time {
                    oldest = Some(oldest.map_or(time, |o| o.min(time)));
                }
                match backfill_event(
                    &self.account,
                    event.event_id(),
                    time,
                    event.cloud_trail_event(),
                ) {
                    EventResult::Applied(mut sent) => {
                        counts.applied += 1;
                        messages.append(&mut sent);
                    }
                    EventResult::FailedCall => counts.failed_calls += 1,
                    EventResult::Incomplete => counts.incomplete += 1,
                    EventResult::Malformed => counts.malformed += 1,
                    EventResult::Ignored => counts.ignored += 1,
                }
            }
            if !messages.is_empty() {
                self.queue.send(messages).await.map_err(|source| RunError::Queue {
                    backfill_id: window.backfill_id.clone(),
                    source,
                })?;
            }
            let before = window.read_until;
            let next = page.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
            let done = next.is_none();
            window.pages += 1;
            add(&mut window.counts, &counts);
            if done {
                window.read_until = window.since;
                window.next_token = None;
                window.query_end = None;
            } else {
                if let Some(oldest) = oldest {
                    window.read_until =
                        to_micros(oldest).clamp(window.since, window.until).min(window.read_until);
                }
                window.next_token = next;
                window.query_end = Some(end);
            }
            // After the page's observations: a progress stored means its page was sent.
            let progress = Message::BackfillProgress(BackfillProgress {
                account_id: self.account.clone(),
                backfill_id: window.backfill_id.clone(),
                since: window.since,
                until: window.until,
                read_until: window.read_until,
                next_token: window.next_token.clone(),
                done,
                pages: window.pages,
                counts: window.counts,
                observed_at: to_micros(Utc::now()),
            });
            self.queue.send(vec![progress]).await.map_err(|source| RunError::Queue {
                backfill_id: window.backfill_id.clone(),
                source,
            })?;
            self.pages += 1;
            add(&mut self.counts, &counts);
            self.observer.report(BackfillEvent::Page {
                account_id: self.account.clone(),
                backfill_id: window.backfill_id.clone(),
                since: window.since,
                until: window.until,
                read_until: window.read_until,
                events: counts.events,
                seconds: (before - window.read_until).num_seconds().max(0) as u64,
            });
            if done {
                return Ok(WindowEnd::Done);
            }
        }
    }
}

pub(super) fn add(total: &mut BackfillCounts, more: &BackfillCounts) {
    total.events += more.events;
    total.applied += more.applied;
    total.failed_calls += more.failed_calls;
    total.incomplete += more.incomplete;
    total.malformed += more.malformed;
    total.ignored += more.ignored;
}

/// What one event of the history became.
#[derive(Debug)]
pub(super) enum EventResult {
    /// Observations to send (at least one).
    Applied(Vec<Message>),
    FailedCall,
    /// A change batch missing or truncated: reported, never guessed.
    Incomplete,
    /// `CloudTrailEvent` not JSON, or an event the decoder rejects.
    Malformed,
    Ignored,
}

/// One LookupEvents event as the live path would see it: its `CloudTrailEvent` in the
/// EventBridge envelope, decoded by the same decoder, its messages in `account` and marked
/// `backfill`. Follow-ups that would read Route 53 now are dropped: the history is of then.
pub(super) fn backfill_event(
    account: &AccountId,
    event_id: Option<&str>,
    event_time: Option<Timestamp>,
    cloud_trail_event: Option<&str>,
) -> EventResult {
    let id = event_id.unwrap_or("(no event id)");
    let record: Value = match cloud_trail_event.map(serde_json::from_str) {
        Some(Ok(record @ Value::Object(_))) => record,
        Some(Ok(_)) | Some(Err(_)) | None => {
            tracing::warn!(account_id = %account, event_id = %id, "CloudTrailEvent is not a JSON object; event counted as malformed and skipped");
            return EventResult::Malformed;
        }
    };
    // An account's event history holds its own calls. A record received by another account
    // (a shared or misconfigured endpoint) would give that account's zones to this one, so
    // it is left out.
    if let Some(recipient) = record.get("recipientAccountId").and_then(Value::as_str)
        && recipient != account.as_str()
    {
        tracing::warn!(account_id = %account, event_id = %id, recipient, "event of another account in this account's history; ignored");
        return EventResult::Ignored;
    }
    let time = record
        .get("eventTime")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| event_time.map(super::time::rfc3339));
    let envelope = json!({
        "version": "0",
        "id": record.get("eventID").and_then(Value::as_str).unwrap_or(id),
        "detail-type": CLOUDTRAIL_DETAIL_TYPE,
        "source": ROUTE53_SOURCE,
        "account": account.as_str(),
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": record,
    });
    let plan = match crate::event::decode_event(&envelope) {
        Ok(Decoded::Plan(plan)) => plan,
        Ok(Decoded::Ignored { reason: IgnoreReason::FailedCall { code, .. }, .. }) => {
            tracing::debug!(event_id = %id, %code, "failed call skipped");
            return EventResult::FailedCall;
        }
        Ok(Decoded::Ignored { .. }) => return EventResult::Ignored,
        Err(error) if is_change_batch(&envelope["detail"]) && lacks_parameters(&error) => {
            tracing::warn!(account_id = %account, event_id = %id, %error, "change batch missing or truncated in CloudTrail; counted as incomplete, nothing guessed");
            return EventResult::Incomplete;
        }
        Err(error) => {
            tracing::warn!(account_id = %account, event_id = %id, %error, "event the decoder rejects; counted as malformed and skipped");
            return EventResult::Malformed;
        }
    };
    let has_records = plan.messages.iter().any(|m| matches!(m, Message::Records(_)));
    if plan.event_name == "ChangeResourceRecordSets"
        && !has_records
        && matches!(plan.follow_up, Some(FollowUp::SweepZone { .. }))
    {
        tracing::warn!(account_id = %account, event_id = %plan.event_id, zone_id = %plan.zone_id, "change batch missing or truncated in CloudTrail; counted as incomplete, nothing guessed");
        return EventResult::Incomplete;
    }
    let mut messages = plan.messages;
    if messages.is_empty() {
        // A VPC association: only a read of the zone now would say what it changed.
        return EventResult::Ignored;
    }
    for message in &mut messages {
        crate::event::in_account(message, account);
        let origin = match message {
            Message::Records(m) => &mut m.origin,
            Message::Zone(m) => &mut m.origin,
            _ => continue,
        };
        if let Origin::Event { backfill, .. } = origin {
            *backfill = true;
        }
    }
    EventResult::Applied(messages)
}

fn is_change_batch(record: &Value) -> bool {
    record.get("eventName").and_then(Value::as_str) == Some("ChangeResourceRecordSets")
}

/// The decoder's "no `requestParameters`" (or no zone in them, or not an object): CloudTrail
/// left out or cut the parameters of a call it logged.
fn lacks_parameters(error: &crate::event::DecodeError) -> bool {
    use crate::event::DecodeError;
    match error {
        DecodeError::Missing(path) => path.starts_with("detail.requestParameters"),
        DecodeError::BadField { path, .. } => path == "detail.requestParameters",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> AccountId {
        AccountId::parse("111122223333").unwrap()
    }

    fn record(event_name: &str, request: Value, extra: Value) -> String {
        let mut r = json!({
            "eventVersion": "1.08", "eventID": "ev-1", "eventName": event_name,
            "eventTime": "2026-11-01T10:00:00Z", "eventSource": "route53.amazonaws.com",
            "recipientAccountId": "111122223333",
            "userIdentity": {"arn": "arn:aws:iam::111122223333:user/smithj"},
            "requestParameters": request,
        });
        if let (Value::Object(r), Value::Object(extra)) = (&mut r, extra) {
            r.extend(extra);
        }
        r.to_string()
    }

    fn change(action: &str) -> Value {
        json!({"hostedZoneId": "Z1PA6795UKMFR9", "changeBatch": {"changes": [{"action": action, "resourceRecordSet": {"name": "www.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}}]}})
    }

    #[test]
    fn a_change_is_the_live_paths_messages_in_the_account_marked_backfill() {
        let r = record("ChangeResourceRecordSets", change("UPSERT"), json!({}));
        let EventResult::Applied(messages) =
            backfill_event(&account(), Some("ev-1"), None, Some(&r))
        else {
            panic!("applied")
        };
        let [Message::Records(m)] = messages.as_slice() else { panic!("{messages:?}") };
        assert_eq!(m.account_id, Some(account()));
        assert!(m.before_unknown);
        assert!(
            matches!(&m.origin, Origin::Event { backfill: true, event_id, .. } if event_id == "ev-1")
        );
    }

    #[test]
    fn a_backfilled_change_keeps_its_batchs_comment() {
        let mut request = change("DELETE");
        request["changeBatch"]["comment"] = json!("retire www (CHG-42)");
        let r = record("ChangeResourceRecordSets", request, json!({}));
        let EventResult::Applied(messages) =
            backfill_event(&account(), Some("ev-1"), None, Some(&r))
        else {
            panic!("applied")
        };
        let [Message::Records(m)] = messages.as_slice() else { panic!("{messages:?}") };
        assert!(matches!(&m.origin,
            Origin::Event { backfill: true, comment: Some(c), .. } if c == "retire www (CHG-42)"));
    }

    #[test]
    fn an_event_another_account_received_is_ignored() {
        let r = record(
            "ChangeResourceRecordSets",
            change("CREATE"),
            json!({"recipientAccountId": "999999999999"}),
        );
        assert!(matches!(
            backfill_event(&account(), Some("ev-1"), None, Some(&r)),
            EventResult::Ignored
        ));
    }

    #[test]
    fn failed_truncated_malformed_and_reads_are_counted_apart() {
        let failed = record(
            "ChangeResourceRecordSets",
            change("CREATE"),
            json!({"errorCode": "InvalidChangeBatch"}),
        );
        assert!(matches!(
            backfill_event(&account(), None, None, Some(&failed)),
            EventResult::FailedCall
        ));
        let truncated = record(
            "ChangeResourceRecordSets",
            json!({"hostedZoneId": "Z1PA6795UKMFR9"}),
            json!({}),
        );
        assert!(matches!(
            backfill_event(&account(), None, None, Some(&truncated)),
            EventResult::Incomplete
        ));
        for bad in [Some("{not json"), Some("[1]"), None] {
            assert!(matches!(
                backfill_event(&account(), Some("ev-x"), None, bad),
                EventResult::Malformed
            ));
        }
        let bad_zone = record(
            "ChangeResourceRecordSets",
            json!({"hostedZoneId": "not a zone!", "changeBatch": {"changes": []}}),
            json!({}),
        );
        assert!(matches!(
            backfill_event(&account(), None, None, Some(&bad_zone)),
            EventResult::Malformed
        ));
        let read = record("ListHostedZones", json!({}), json!({}));
        assert!(matches!(
            backfill_event(&account(), None, None, Some(&read)),
            EventResult::Ignored
        ));
        let vpc = record(
            "AssociateVPCWithHostedZone",
            json!({"hostedZoneId": "Z1PA6795UKMFR9"}),
            json!({}),
        );
        assert!(matches!(backfill_event(&account(), None, None, Some(&vpc)), EventResult::Ignored));
    }

    #[test]
    fn a_new_zone_is_its_zone_message_without_a_sweep() {
        let r = record(
            "CreateHostedZone",
            json!({"name": "new.example.com", "callerReference": "x"}),
            json!({"responseElements": {"hostedZone": {"id": "/hostedzone/Z0NEW", "name": "new.example.com.", "config": {"privateZone": false}, "resourceRecordSetCount": 2}}}),
        );
        let EventResult::Applied(messages) = backfill_event(&account(), None, None, Some(&r))
        else {
            panic!("applied")
        };
        let [Message::Zone(z)] = messages.as_slice() else { panic!("{messages:?}") };
        assert_eq!(z.account_id, Some(account()));
        assert!(matches!(&z.origin, Origin::Event { backfill: true, .. }));
    }
}
