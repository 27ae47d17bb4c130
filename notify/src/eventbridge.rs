//! The AWS sink: EventBridge `PutEvents` on the `zonetrail` bus.
//!
//! Each change is one entry: `Source` [`SOURCE`], `DetailType` [`DETAIL_TYPE`], `Detail` the
//! [`ChangeEvent`] JSON, `Time` the change's observed time (so a late observation that adds a
//! history row in the past is published with its own time); each finding's event likewise
//! with `DetailType` `Finding Opened` / `Finding Resolved`, `Detail` the [`FindingEvent`] JSON
//! and `Time` when it was opened or resolved; `EventBusName` the configured
//! bus (`ZONETRAIL_EVENT_BUS`: a name or an ARN). At most 10 entries a call, and a call's
//! entries together within EventBridge's 256 KB request limit (a larger batch is split).
//!
//! EventBridge answers each entry on its own (`FailedEntryCount`, and per entry an
//! `ErrorCode`/`ErrorMessage` or an `EventId`), so only the failed entries are retried; a
//! call that fails as a whole (throttling, network, credentials) fails every event it held.

use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_smithy_types::DateTime;
use serde_json::Value;

#[cfg(doc)]
use crate::{ChangeEvent, DETAIL_TYPE, FindingEvent};
use crate::{Event, MAX_EVENT_BYTES, SOURCE, SendError, Sink};

/// The most entries one `PutEvents` takes.
pub const MAX_ENTRIES: usize = 10;

/// What EventBridge counts of an entry's `Time` towards its size.
const TIME_BYTES: usize = 14;

/// The environment variable naming the bus (a name or an ARN).
pub const EVENT_BUS_VAR: &str = "ZONETRAIL_EVENT_BUS";

/// Sends events to an EventBridge bus with `PutEvents`.
#[derive(Debug, Clone)]
pub struct EventBridgeSink {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgeSink {
    /// A sink on `bus` (a name, e.g. `zonetrail`, or an ARN) through `client`.
    pub fn new(client: aws_sdk_eventbridge::Client, bus: impl Into<String>) -> Self {
        Self { client, bus: bus.into() }
    }

    /// A sink on `bus` with the SDK's default configuration (region, credentials, and
    /// `AWS_ENDPOINT_URL` when set).
    pub async fn from_sdk_defaults(bus: impl Into<String>) -> Self {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(aws_sdk_eventbridge::Client::new(&sdk), bus)
    }

    /// The bus events go to.
    pub fn bus(&self) -> &str {
        &self.bus
    }

    /// One `PutEvents` of `entries` (at most [`MAX_ENTRIES`]): one result per entry.
    async fn put(&self, entries: Vec<PutEventsRequestEntry>) -> Vec<Result<(), SendError>> {
        let n = entries.len();
        match self.client.put_events().set_entries(Some(entries)).send().await {
            Ok(output) => entry_results(&output, n),
            Err(e) => {
                let why = SendError(format!("PutEvents failed: {}", DisplayErrorContext(&e)));
                vec![Err(why); n]
            }
        }
    }
}

impl Sink for EventBridgeSink {
    fn name(&self) -> &'static str {
        "eventbridge"
    }

    fn max_batch(&self) -> usize {
        MAX_ENTRIES
    }

    async fn send(&self, events: &[Event]) -> Vec<Result<(), SendError>> {
        let mut results: Vec<Option<Result<(), SendError>>> = vec![None; events.len()];
        let mut entries = Vec::with_capacity(events.len());
        for (i, event) in events.iter().enumerate() {
            match entry(event, &self.bus) {
                Ok(entry) => entries.push((i, entry)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        for call in calls(entries) {
            let (indices, entries): (Vec<usize>, Vec<PutEventsRequestEntry>) =
                call.into_iter().unzip();
            for (i, result) in indices.into_iter().zip(self.put(entries).await) {
                results[i] = Some(result);
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(SendError("not sent".into()))))
            .collect()
    }
}

/// `entries` in order, cut into `PutEvents` calls of at most [`MAX_ENTRIES`] entries and
/// [`MAX_EVENT_BYTES`] together (a call holds at least one entry).
pub fn calls<T>(entries: Vec<(T, PutEventsRequestEntry)>) -> Vec<Vec<(T, PutEventsRequestEntry)>> {
    let mut calls = Vec::new();
    let mut call: Vec<(T, PutEventsRequestEntry)> = Vec::new();
    let mut call_bytes = 0usize;
    for (key, entry) in entries {
        let size = entry_size(&entry);
        if !call.is_empty() && (call.len() == MAX_ENTRIES || call_bytes + size > MAX_EVENT_BYTES) {
            calls.push(std::mem::take(&mut call));
            call_bytes = 0;
        }
        call_bytes += size;
        call.push((key, entry));
    }
    if !call.is_empty() {
        calls.push(call);
    }
    calls
}

/// The `PutEvents` entry of one event. A detail too large for one entry is sent with
/// `before` and `after` (a change's) or `evidence` (a finding's) left out and
/// `truncated: true` (the publisher does so already; this keeps the sink within the limit
/// whatever it is given).
pub fn entry(event: &Event, bus: &str) -> Result<PutEventsRequestEntry, SendError> {
    let mut detail = event.to_json();
    let detail_type = event.detail_type();
    let overhead = SOURCE.len() + detail_type.len() + TIME_BYTES;
    if detail.len() + overhead > MAX_EVENT_BYTES {
        let mut value: Value = serde_json::from_str(&detail)
            .map_err(|e| SendError(format!("the event does not serialize: {e}")))?;
        if let Value::Object(fields) = &mut value {
            match event {
                Event::Change(_) => {
                    fields.remove("before");
                    fields.remove("after");
                }
                Event::Finding(_) => {
                    fields.insert("evidence".into(), Value::Null);
                }
            }
            fields.insert("truncated".into(), Value::Bool(true));
        }
        detail = value.to_string();
    }
    Ok(PutEventsRequestEntry::builder()
        .source(SOURCE)
        .detail_type(detail_type)
        .detail(detail)
        .event_bus_name(bus)
        .time(DateTime::from_millis(event.time().timestamp_millis()))
        .build())
}

/// An entry's size as EventBridge counts it towards the 256 KB of a request: `Time`,
/// `Source`, `DetailType`, `Detail` and `Resources`, in UTF-8 bytes.
pub fn entry_size(entry: &PutEventsRequestEntry) -> usize {
    entry.time().map_or(0, |_| TIME_BYTES)
        + entry.source().map_or(0, str::len)
        + entry.detail_type().map_or(0, str::len)
        + entry.detail().map_or(0, str::len)
        + entry.resources().iter().map(String::len).sum::<usize>()
}

/// Each entry's result, in order, from a `PutEvents` answer of `n` entries: an entry with an
/// `ErrorCode` failed (its code and message say why); one without was taken. An answer
/// with fewer entries than were sent fails the missing ones (they are sent again).
pub fn entry_results(output: &PutEventsOutput, n: usize) -> Vec<Result<(), SendError>> {
    let answers = output.entries();
    (0..n)
        .map(|i| match answers.get(i) {
            None => Err(SendError(format!(
                "PutEvents answered {} entries for {n} sent ({} failed)",
                answers.len(),
                output.failed_entry_count()
            ))),
            Some(a) => match a.error_code() {
                Some(code) => Err(SendError(format!(
                    "PutEvents refused the entry: {code}: {}",
                    a.error_message().unwrap_or("no message")
                ))),
                None if a.event_id().is_none() && output.failed_entry_count() > 0 => Err(
                    SendError("PutEvents gave the entry neither an event id nor an error".into()),
                ),
                None => Ok(()),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DETAIL_TYPE;
    use aws_sdk_eventbridge::types::PutEventsResultEntry;

    fn ok(id: &str) -> PutEventsResultEntry {
        PutEventsResultEntry::builder().event_id(id).build()
    }

    fn failed(code: &str, message: &str) -> PutEventsResultEntry {
        PutEventsResultEntry::builder().error_code(code).error_message(message).build()
    }

    #[test]
    fn only_the_entries_eventbridge_refused_fail() {
        let output = PutEventsOutput::builder()
            .failed_entry_count(1)
            .entries(ok("a"))
            .entries(failed("ThrottlingException", "Rate exceeded"))
            .entries(ok("c"))
            .build();
        let results = entry_results(&output, 3);
        assert_eq!(results[0], Ok(()));
        let err = results[1].clone().unwrap_err().0;
        assert!(err.contains("ThrottlingException") && err.contains("Rate exceeded"), "{err}");
        assert_eq!(results[2], Ok(()));
    }

    #[test]
    fn entries_missing_from_the_answer_fail() {
        let output = PutEventsOutput::builder().failed_entry_count(0).entries(ok("a")).build();
        let results = entry_results(&output, 2);
        assert_eq!(results[0], Ok(()));
        assert!(results[1].is_err());
    }

    fn sized(detail_bytes: usize) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .source(SOURCE)
            .detail_type(DETAIL_TYPE)
            .detail("x".repeat(detail_bytes))
            .time(DateTime::from_secs(0))
            .build()
    }

    #[test]
    fn calls_hold_at_most_ten_entries_and_256_kb_in_order() {
        let small: Vec<_> = (0..23).map(|i| (i, sized(100))).collect();
        let cut = calls(small);
        assert_eq!(cut.iter().map(Vec::len).collect::<Vec<_>>(), vec![10, 10, 3]);
        let order: Vec<i32> = cut.iter().flatten().map(|(i, _)| *i).collect();
        assert_eq!(order, (0..23).collect::<Vec<_>>());

        // Three entries of about 100 KB: two fit in one call, the third goes in the next.
        let big: Vec<_> = (0..3).map(|i| (i, sized(100 * 1024))).collect();
        let cut = calls(big);
        assert_eq!(cut.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 1]);
        for call in &cut {
            let bytes: usize = call.iter().map(|(_, e)| entry_size(e)).sum();
            assert!(bytes <= MAX_EVENT_BYTES, "{bytes}");
        }
        assert!(calls::<i32>(Vec::new()).is_empty());
    }

    #[test]
    fn an_entry_counts_time_source_detail_type_and_detail() {
        let e = PutEventsRequestEntry::builder()
            .source(SOURCE)
            .detail_type(DETAIL_TYPE)
            .detail("{}")
            .time(DateTime::from_secs(0))
            .build();
        assert_eq!(entry_size(&e), TIME_BYTES + SOURCE.len() + DETAIL_TYPE.len() + 2);
    }

    #[test]
    fn a_finding_is_an_entry_with_its_detail_type_and_time() {
        use crate::FindingChange;
        let f = crate::webhook::tests::finding(FindingChange::Resolved);
        let at = f.at;
        let e = entry(&Event::Finding(f), "zonetrail").unwrap();
        assert_eq!(e.source(), Some(SOURCE));
        assert_eq!(e.detail_type(), Some("Finding Resolved"));
        assert_eq!(e.event_bus_name(), Some("zonetrail"));
        assert_eq!(e.time().map(|t| t.to_millis().unwrap()), Some(at.timestamp_millis()));
        let v: Value = serde_json::from_str(e.detail().unwrap()).unwrap();
        assert_eq!(
            (v["id"].as_i64(), v["resolved_reason"].as_str()),
            (Some(9), Some("resource exists"))
        );
    }
}
