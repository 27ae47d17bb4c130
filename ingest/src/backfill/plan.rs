//! Which windows of an account's event history to read: the unfinished ones first, then the
//! parts of the request that no stored window covers.

use serde::{Deserialize, Serialize};
use zonetrail_model::{BackfillCounts, BackfillProgress, Timestamp};

use super::BackfillRequest;

/// One window of one account's backfill, as far as it has been read. Stored windows come back
/// as [`BackfillProgress`]; a Lambda task carries its windows in this form across invocations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillWindow {
    /// At most 64 characters (`bf-20261203T080000Z-1a2b3c4d5e6f`).
    pub backfill_id: String,
    pub since: Timestamp,
    pub until: Timestamp,
    /// Everything in [`read_until`, `until`] has been read and sent.
    pub read_until: Timestamp,
    /// LookupEvents' `NextToken` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The `EndTime` of the query `next_token` belongs to (CloudTrail takes a token only with
    /// the parameters of its query). A query starts at `read_until` once the window has been
    /// restarted after a refused token; unknown for a stored window, whose token then goes
    /// with `until`, and a refusal restarts the window from `read_until` again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_end: Option<Timestamp>,
    /// Pages read so far, over every run of the window.
    pub pages: u64,
    /// Counts so far, over every run of the window.
    pub counts: BackfillCounts,
    /// A stored window this run resumes (false: a new one).
    #[serde(default)]
    pub resumed: bool,
}

impl BackfillWindow {
    /// A window nothing of which has been read yet.
    pub fn new(backfill_id: String, since: Timestamp, until: Timestamp) -> Self {
        Self {
            backfill_id,
            since,
            until,
            read_until: until,
            next_token: None,
            query_end: None,
            pages: 0,
            counts: BackfillCounts::default(),
            resumed: false,
        }
    }

    /// A stored, unfinished window, to resume from its token (or from `read_until`).
    pub fn resume(p: &BackfillProgress) -> Self {
        Self {
            backfill_id: p.backfill_id.clone(),
            since: p.since,
            until: p.until,
            read_until: p.read_until.clamp(p.since, p.until.max(p.since)),
            next_token: p.next_token.clone(),
            query_end: None,
            pages: p.pages,
            counts: p.counts,
            resumed: true,
        }
    }

    /// What is left to read, in seconds (for a progress bar of days covered).
    pub fn seconds_left(&self) -> u64 {
        (self.read_until - self.since).num_seconds().max(0) as u64
    }
}

/// An account's windows to read, and how many finished windows the request overlaps (not
/// read again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub windows: Vec<BackfillWindow>,
    pub skipped: u64,
}

/// Plan one account's backfill of `request` from its `stored` windows:
/// - every unfinished stored window is resumed (from its token, or from `read_until`);
/// - every part of [`since`, `until`] that no stored window covers gets a new window (named by
///   `new_id`), newest first. A finished window covers its [`since`, `until`]; an unfinished
///   one too, since it is resumed first.
///
/// Running a request again once its windows are done therefore reads nothing old again: only
/// the time since the last run's `until`, if the request reaches further.
pub fn plan_windows(
    request: &BackfillRequest,
    stored: &[BackfillProgress],
    mut new_id: impl FnMut() -> String,
) -> Plan {
    let mut windows: Vec<BackfillWindow> =
        stored.iter().filter(|p| !p.done).map(BackfillWindow::resume).collect();
    let skipped = stored
        .iter()
        .filter(|p| p.done && p.since <= request.until && p.until >= request.since)
        .count() as u64;

    let mut covered: Vec<(Timestamp, Timestamp)> =
        stored.iter().filter(|p| p.since <= p.until).map(|p| (p.since, p.until)).collect();
    covered.sort();
    let mut gaps = Vec::new();
    let mut from = request.since;
    for (since, until) in covered {
        if until < from {
            continue;
        }
        if since > request.until {
            break;
        }
        if since > from {
            gaps.push((from, since));
        }
        from = from.max(until);
    }
    if from < request.until {
        gaps.push((from, request.until));
    }
    // Newest first: the recent past is what people ask about first.
    for (since, until) in gaps.into_iter().rev() {
        windows.push(BackfillWindow::new(new_id(), since, until));
    }
    Plan { windows, skipped }
}

/// `bf-20261203T080000Z-1a2b3c4d5e6f`: sortable by start, unique, 33 characters (the table
/// keeps 64).
pub fn new_backfill_id() -> String {
    let simple = uuid::Uuid::new_v4().simple().to_string();
    format!("bf-{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"), &simple[..12])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use zonetrail_model::AccountId;

    fn day(d: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap() + Duration::days(d)
    }

    fn stored(id: &str, since: i64, until: i64, read_until: i64, done: bool) -> BackfillProgress {
        BackfillProgress {
            account_id: AccountId::parse("123456789012").unwrap(),
            backfill_id: id.into(),
            since: day(since),
            until: day(until),
            read_until: day(read_until),
            next_token: (!done).then(|| format!("token-{id}")),
            done,
            pages: 3,
            counts: BackfillCounts { events: 150, ..BackfillCounts::default() },
            observed_at: day(until),
        }
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("new-{n}")
        }
    }

    fn spans(plan: &Plan) -> Vec<(String, Timestamp, Timestamp, Option<String>)> {
        plan.windows
            .iter()
            .map(|w| (w.backfill_id.clone(), w.since, w.read_until, w.next_token.clone()))
            .collect()
    }

    #[test]
    fn nothing_stored_reads_the_whole_request() {
        let plan = plan_windows(&BackfillRequest { since: day(0), until: day(90) }, &[], ids());
        assert_eq!(spans(&plan), [("new-1".into(), day(0), day(90), None)]);
        assert_eq!(plan.skipped, 0);
    }

    #[test]
    fn a_done_window_is_not_read_again_and_only_the_gaps_are() {
        let request = BackfillRequest { since: day(0), until: day(90) };
        let plan = plan_windows(&request, &[stored("a", 10, 20, 10, true)], ids());
        assert_eq!(
            spans(&plan),
            [("new-1".into(), day(20), day(90), None), ("new-2".into(), day(0), day(10), None)]
        );
        assert_eq!(plan.skipped, 1);

        // The same request once that run is done: nothing to read.
        let done = [
            stored("a", 10, 20, 10, true),
            stored("b", 20, 90, 20, true),
            stored("c", 0, 10, 0, true),
        ];
        let plan = plan_windows(&request, &done, ids());
        assert_eq!(plan.windows, []);
        assert_eq!(plan.skipped, 3);
    }

    #[test]
    fn an_unfinished_window_is_resumed_from_its_token_first() {
        let request = BackfillRequest { since: day(0), until: day(95) };
        let plan = plan_windows(
            &request,
            &[stored("old", 0, 90, 40, false), stored("x", 60, 70, 60, true)],
            ids(),
        );
        assert_eq!(
            spans(&plan),
            [
                ("old".into(), day(0), day(40), Some("token-old".into())),
                ("new-1".into(), day(90), day(95), None)
            ]
        );
        let resumed = &plan.windows[0];
        assert!(resumed.resumed && resumed.pages == 3 && resumed.counts.events == 150);
        assert_eq!(resumed.until, day(90));
    }

    #[test]
    fn windows_outside_the_request_do_not_cut_it() {
        let request = BackfillRequest { since: day(30), until: day(40) };
        let plan = plan_windows(
            &request,
            &[stored("before", 0, 10, 0, true), stored("after", 50, 60, 50, true)],
            ids(),
        );
        assert_eq!(spans(&plan), [("new-1".into(), day(30), day(40), None)]);
        assert_eq!(plan.skipped, 0);
    }

    #[test]
    fn backfill_ids_fit_the_table() {
        let id = new_backfill_id();
        assert!(id.starts_with("bf-") && id.len() <= 64, "{id}");
        assert_ne!(id, new_backfill_id());
    }
}
