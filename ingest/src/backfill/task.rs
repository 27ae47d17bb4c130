//! One account's backfill on the sweep queue: `{"backfill_task": {...}}`, beside the sweep
//! tasks. The fan-out writes one per account; an invocation running low on time puts what is
//! left of its task back, and the next one carries on.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zonetrail_model::AccountId;

use super::BackfillWindow;

pub const BACKFILL_TASK_VERSION: u32 = 1;
/// The key that tells a backfill task from a sweep task on the sweep queue.
pub const BACKFILL_TASK_KEY: &str = "backfill_task";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillTask {
    pub v: u32,
    pub account_id: AccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// The windows still to read, the one in progress first.
    pub windows: Vec<BackfillWindow>,
    /// Finished windows the plan did not read again.
    #[serde(default)]
    pub skipped: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackfillTaskError {
    #[error("backfill task is not valid JSON for version {BACKFILL_TASK_VERSION}: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("backfill task has version {0}; this build reads version {BACKFILL_TASK_VERSION}")]
    UnsupportedVersion(u32),
    #[error("not a backfill task: no \"{BACKFILL_TASK_KEY}\" member")]
    NotATask,
}

impl BackfillTask {
    pub fn new(
        account_id: AccountId,
        account_name: Option<String>,
        windows: Vec<BackfillWindow>,
        skipped: u64,
    ) -> Self {
        Self { v: BACKFILL_TASK_VERSION, account_id, account_name, windows, skipped }
    }

    /// The queue body: `{"backfill_task": {...}}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({ BACKFILL_TASK_KEY: self }).to_string()
    }

    /// Whether a sweep-queue body (already parsed) is a backfill task.
    pub fn is_task(body: &Value) -> bool {
        body.get(BACKFILL_TASK_KEY).is_some()
    }

    pub fn from_value(body: &Value) -> Result<Self, BackfillTaskError> {
        let inner = body.get(BACKFILL_TASK_KEY).ok_or(BackfillTaskError::NotATask)?;
        let task = Self::deserialize(inner)?;
        if task.v != BACKFILL_TASK_VERSION {
            return Err(BackfillTaskError::UnsupportedVersion(task.v));
        }
        Ok(task)
    }

    pub fn from_json(body: &str) -> Result<Self, BackfillTaskError> {
        Self::from_value(&serde_json::from_str(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_task_round_trips_and_names_its_kind() {
        let since = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let mut window = BackfillWindow::new("bf-1".into(), since, until);
        window.next_token = Some("tok".into());
        window.query_end = Some(until);
        window.pages = 4;
        window.counts.events = 200;
        let task = BackfillTask::new(
            AccountId::parse("111122223333").unwrap(),
            Some("prod".into()),
            vec![window],
            2,
        );
        let body = task.to_json();
        let value: Value = serde_json::from_str(&body).unwrap();
        assert!(BackfillTask::is_task(&value));
        assert_eq!(BackfillTask::from_json(&body).unwrap(), task);
        // A sweep task is not one.
        let sweep = crate::SweepTask::full().to_json();
        assert!(!BackfillTask::is_task(&serde_json::from_str(&sweep).unwrap()));
    }

    #[test]
    fn bad_tasks_are_refused_with_the_reason() {
        assert!(matches!(BackfillTask::from_json("{}"), Err(BackfillTaskError::NotATask)));
        assert!(matches!(
            BackfillTask::from_json(
                r#"{"backfill_task": {"v": 2, "account_id": "111122223333", "windows": []}}"#
            ),
            Err(BackfillTaskError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            BackfillTask::from_json(
                r#"{"backfill_task": {"v": 1, "account_id": "12", "windows": []}}"#
            ),
            Err(BackfillTaskError::Malformed(_))
        ));
    }
}
