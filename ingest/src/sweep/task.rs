//! What is left of a sweep, as a serde value: a Lambda invocation running low on time puts it
//! on the sweep queue and the next invocation carries on from it.

use serde::{Deserialize, Serialize};
use zonetrail_model::{AccountId, Timestamp, ZoneId};

pub const TASK_VERSION: u32 = 1;

/// A sweep to run or to continue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepTask {
    pub v: u32,
    pub sweep_id: String,
    /// The account whose zones this task reads; absent (a task queued by a build before
    /// several accounts): the credentials' own account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    /// The account's name in AWS Organizations, for its `account_status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// A full sweep's listing so far: set when the first ListHostedZones call is made, and
    /// carried across invocations so one complete `zones_listed` is sent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<ListingProgress>,
    /// A zone whose sweep has started (its `zone` message is sent): where it resumes.
    #[serde(default)]
    pub current: Option<ZoneProgress>,
    /// The zones still to sweep after `current`.
    pub then: Remaining,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Remaining {
    Nothing,
    /// One zone, read with GetHostedZone first: a targeted sweep.
    Zone {
        zone_id: ZoneId,
    },
    /// The account's zones as ListHostedZones lists them, from the zone whose id is
    /// `marker` (Route 53's `Marker`), or from the first zone.
    Listing {
        marker: Option<String>,
    },
}

/// What a full sweep has listed and how its zones went, so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingProgress {
    /// Taken before the first ListHostedZones call.
    pub started_at: Timestamp,
    /// When the latest ListHostedZones page was read.
    pub observed_at: Timestamp,
    /// Every zone id ListHostedZones returned so far, in its order.
    #[serde(default)]
    pub listed: Vec<ZoneId>,
    /// Zones whose sweep failed so far, and the first failure.
    #[serde(default)]
    pub failed_zones: u32,
    #[serde(default)]
    pub first_failure: Option<String>,
}

/// One zone's sweep in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneProgress {
    pub zone_id: ZoneId,
    pub started_at: Timestamp,
    /// Where ListResourceRecordSets continues; `None` before the first page.
    #[serde(default)]
    pub cursor: Option<RecordCursor>,
    /// Records messages sent so far; they carry page numbers `1..=pages`.
    pub pages: u32,
    /// ListResourceRecordSets pages read so far.
    pub route53_pages: u32,
    pub record_sets: u64,
    /// When the latest page was read.
    #[serde(default)]
    pub last_observed_at: Option<Timestamp>,
}

/// ListResourceRecordSets' three-part continuation token, as Route 53 returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCursor {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(default)]
    pub identifier: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("sweep task is not valid JSON for version {TASK_VERSION}: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("sweep task has version {0}; this build reads version {TASK_VERSION}")]
    UnsupportedVersion(u32),
}

impl SweepTask {
    /// Every hosted zone of the account.
    pub fn full() -> Self {
        Self {
            v: TASK_VERSION,
            sweep_id: new_sweep_id(),
            account_id: None,
            account_name: None,
            listing: None,
            current: None,
            then: Remaining::Listing { marker: None },
        }
    }

    /// The same task for `account` (a name, when Organizations gives one).
    pub fn in_account(mut self, account_id: AccountId, account_name: Option<String>) -> Self {
        self.account_id = Some(account_id);
        self.account_name = account_name;
        self
    }

    /// The same task under another sweep id (one sweep over several accounts shares it).
    pub fn with_sweep_id(mut self, sweep_id: String) -> Self {
        self.sweep_id = sweep_id;
        self
    }

    /// A full sweep of an account: its `zones_listed` and `account_status` are sent at the end.
    pub fn is_full(&self) -> bool {
        self.listing.is_some()
            || matches!(self.then, Remaining::Listing { marker: None }) && self.current.is_none()
    }

    /// One hosted zone.
    pub fn zone(zone_id: ZoneId) -> Self {
        Self {
            v: TASK_VERSION,
            sweep_id: new_sweep_id(),
            account_id: None,
            account_name: None,
            listing: None,
            current: None,
            then: Remaining::Zone { zone_id },
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a SweepTask always serialises")
    }

    pub fn from_json(body: &str) -> Result<Self, TaskError> {
        let task: Self = serde_json::from_str(body)?;
        if task.v != TASK_VERSION {
            return Err(TaskError::UnsupportedVersion(task.v));
        }
        Ok(task)
    }
}

/// `20261122T153000Z-1a2b3c4d`: sortable by start time, unique, and short (the `sweeps` table
/// keeps 64 characters).
pub fn new_sweep_id() -> String {
    let simple = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"), &simple[..12])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn continuation_round_trips_through_json() {
        let task = SweepTask {
            v: 1,
            sweep_id: new_sweep_id(),
            account_id: Some(zonetrail_model::AccountId::parse("111122223333").unwrap()),
            account_name: Some("workload".into()),
            listing: Some(ListingProgress {
                started_at: chrono::Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap(),
                observed_at: chrono::Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 1).unwrap(),
                listed: vec![ZoneId::parse("Z1").unwrap()],
                failed_zones: 1,
                first_failure: Some("Z0: throttled".into()),
            }),
            current: Some(ZoneProgress {
                zone_id: ZoneId::parse("Z1").unwrap(),
                started_at: chrono::Utc.with_ymd_and_hms(2026, 11, 22, 1, 2, 3).unwrap(),
                cursor: Some(RecordCursor {
                    name: "\\052.example.com.".into(),
                    rtype: "A".into(),
                    identifier: Some("blue".into()),
                }),
                pages: 7,
                route53_pages: 6,
                record_sets: 1800,
                last_observed_at: None,
            }),
            then: Remaining::Listing { marker: Some("Z2".into()) },
        };
        assert_eq!(SweepTask::from_json(&task.to_json()).unwrap(), task);
        assert!(task.sweep_id.len() <= 64);
    }

    #[test]
    fn a_task_from_an_older_build_belongs_to_the_own_account() {
        let task = SweepTask::from_json(
            r#"{"v":1,"sweep_id":"s","then":{"kind":"listing","marker":"Z2"}}"#,
        )
        .unwrap();
        assert_eq!(task.account_id, None);
        assert_eq!(task.listing, None);
        let bad = r#"{"v":1,"sweep_id":"s","account_id":"12345","then":{"kind":"nothing"}}"#;
        assert!(matches!(SweepTask::from_json(bad), Err(TaskError::Malformed(_))));
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        let mut task = SweepTask::full();
        task.v = 2;
        assert!(matches!(
            SweepTask::from_json(&task.to_json()),
            Err(TaskError::UnsupportedVersion(2))
        ));
        assert!(matches!(SweepTask::from_json("{}"), Err(TaskError::Malformed(_))));
        assert!(matches!(SweepTask::from_json("[1]"), Err(TaskError::Malformed(_))));
    }
}
