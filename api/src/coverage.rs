//! The history window (issue 17): since when each account's change history is complete, and
//! how its CloudTrail backfill is going. `/api/stats` (`history_complete_since`, `history`)
//! and `/api/accounts` (each item's `history_complete_since` and `backfill`) answer it.
//!
//! Definition. For each account:
//! - its live coverage starts at `accounts.first_seen_at` (the end of its first sweep: every
//!   change after it is seen, by an event or by a later sweep);
//! - its covered intervals are its `backfill_progress` windows: [`since`, `until`] for a done
//!   window, [`read_until`, `until`] for one still running (everything in it has been read);
//!   overlapping or touching intervals are merged;
//! - its `history_complete_since` is the start of the merged interval that contains
//!   `first_seen_at` (starts at or before it and ends at or after it), else `first_seen_at`
//!   itself: a backfill that stops short of the first sweep leaves a gap in which changes are
//!   not known, so it extends nothing.
//!
//! The inventory's `history_complete_since` is the latest of its accounts' (every account's
//! history is complete after it), `null` when no account has an `accounts` row.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};
use zonetrail_model::entity::{accounts, backfill_progress};
use zonetrail_model::{AccountId, Timestamp};

use crate::{ApiResult, timestamp};

/// The latest window of an account's CloudTrail backfill (the one with the newest progress).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackfillView {
    /// `running` until every event of [`since`, `until`] has been read, then `done`.
    #[schema(schema_with = state_schema)]
    pub state: String,
    /// The oldest time the window reads back to (CloudTrail keeps 90 days).
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
    /// The newest time of the window.
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub until: Timestamp,
    /// Everything in [`read_until`, `until`] has been read: the backfill reads newest first,
    /// so this moves back towards `since`.
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub read_until: Timestamp,
    /// CloudTrail events read.
    pub events: i64,
    /// Events that changed the inventory's history.
    pub applied: i64,
    /// LookupEvents calls that failed (retried).
    pub failed_calls: i64,
    /// Events that did not say enough to apply (no request parameters, say).
    pub incomplete: i64,
    /// Events that could not be parsed.
    pub malformed: i64,
    /// LookupEvents pages read.
    pub pages: i64,
    /// When this progress was taken.
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

fn state_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["running", "done"]))
        .description(Some(
            "`running` until every event of [`since`, `until`] has been read, then `done`.",
        ))
}

/// One account's history window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountHistory {
    #[schema(example = "123456789012")]
    pub account_id: String,
    /// Changes of the account before this time are not known; `null` when no sweep has
    /// reported on the account yet.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub complete_since: Option<Timestamp>,
    /// Its latest backfill window; `null` when no backfill has run.
    pub backfill: Option<BackfillView>,
}

/// Since when the history is complete (`/api/stats`'s `history`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryWindow {
    /// The latest of the accounts' `complete_since`: changes before it are not known for
    /// every account. `null` when no sweep has reported on any account.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub complete_since: Option<Timestamp>,
    /// Each account (with `account`: that one), by id.
    pub accounts: Vec<AccountHistory>,
}

/// An account's `history_complete_since` from its `first_seen_at` and its covered intervals
/// (`(start, end)`, in any order): see the module's definition.
pub fn complete_since(first_seen_at: Timestamp, intervals: &[(Timestamp, Timestamp)]) -> Timestamp {
    let mut sorted: Vec<(Timestamp, Timestamp)> =
        intervals.iter().copied().filter(|(start, end)| start <= end).collect();
    sorted.sort();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (start, end) in sorted {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
        .iter()
        .find(|(start, end)| *start <= first_seen_at && first_seen_at <= *end)
        .map_or(first_seen_at, |(start, _)| *start)
}

/// The covered interval of one window.
fn covered(w: &backfill_progress::Model) -> (Timestamp, Timestamp) {
    (if w.done { w.since } else { w.read_until }, w.until)
}

fn view(w: &backfill_progress::Model) -> BackfillView {
    BackfillView {
        state: if w.done { "done" } else { "running" }.to_owned(),
        since: w.since,
        until: w.until,
        read_until: w.read_until,
        events: w.events,
        applied: w.applied,
        failed_calls: w.failed_calls,
        incomplete: w.incomplete,
        malformed: w.malformed,
        pages: w.pages,
        updated_at: w.observed_at,
    }
}

/// Each account's window (every account with an `accounts` row or a backfill window, or the
/// one `only`), by id. Both tables are small: one row per account, one per account and
/// backfill run.
pub async fn account_windows(
    db: &impl ConnectionTrait,
    only: Option<&AccountId>,
) -> ApiResult<Vec<AccountHistory>> {
    let (account_rows, windows) = match only {
        Some(a) => (
            accounts::Entity::find_by_id(a.as_str().to_owned()).all(db).await?,
            backfill_progress::Entity::find()
                .filter(backfill_progress::Column::AccountId.eq(a.as_str()))
                .all(db)
                .await?,
        ),
        None => (
            accounts::Entity::find().all(db).await?,
            backfill_progress::Entity::find().all(db).await?,
        ),
    };
    let mut by_account: HashMap<String, Vec<backfill_progress::Model>> = HashMap::new();
    for w in windows {
        by_account.entry(w.account_id.clone()).or_default().push(w);
    }
    let first_seen: HashMap<String, Timestamp> =
        account_rows.into_iter().map(|a| (a.account_id, a.first_seen_at)).collect();
    let mut ids: Vec<&String> = first_seen.keys().chain(by_account.keys()).collect();
    ids.sort();
    ids.dedup();
    Ok(ids
        .into_iter()
        .map(|id| {
            let windows = by_account.get(id).map(Vec::as_slice).unwrap_or_default();
            let intervals: Vec<_> = windows.iter().map(covered).collect();
            let latest = windows.iter().max_by(|a, b| {
                (a.observed_at, &a.backfill_id).cmp(&(b.observed_at, &b.backfill_id))
            });
            AccountHistory {
                account_id: id.clone(),
                complete_since: first_seen.get(id).map(|f| complete_since(*f, &intervals)),
                backfill: latest.map(view),
            }
        })
        .collect())
}

/// The inventory's window over these accounts' (see the module's definition).
pub fn window(accounts: Vec<AccountHistory>) -> HistoryWindow {
    HistoryWindow {
        complete_since: accounts.iter().filter_map(|a| a.complete_since).max(),
        accounts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        timestamp::parse(s).unwrap()
    }

    #[test]
    fn the_window_extends_back_only_through_intervals_that_reach_the_first_sweep() {
        let first = t("2026-11-20T00:00:00Z");
        assert_eq!(complete_since(first, &[]), first);
        // Reaching it, directly or through a touching/overlapping interval.
        let a = (t("2026-09-01T00:00:00Z"), t("2026-10-01T00:00:00Z"));
        let b = (t("2026-10-01T00:00:00Z"), t("2026-11-20T00:00:00Z"));
        assert_eq!(complete_since(first, &[b, a]), a.0);
        // Ending after it.
        let c = (t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z"));
        assert_eq!(complete_since(first, &[c]), c.0);
        // A gap before the first sweep extends nothing.
        let d = (t("2026-09-01T00:00:00Z"), t("2026-11-19T23:59:59Z"));
        assert_eq!(complete_since(first, &[d]), first);
        // An interval entirely after it does not move it later.
        let e = (t("2026-11-21T00:00:00Z"), t("2026-12-01T00:00:00Z"));
        assert_eq!(complete_since(first, &[e]), first);
    }
}
