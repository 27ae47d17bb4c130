//! Counts operators watch, as CloudWatch Embedded Metric Format lines (Lambda's stdout goes to
//! CloudWatch Logs, which turns such lines into metrics).

use zonetrail_model::emf::{EmfLine, Unit};

use zonetrail_model::{AccountId, AccountState};

use crate::backfill::AccountBackfill;
use crate::sweep::SweepReport;

/// One EMF line for an account whose sweep did not end `ok`: `AccountsAccessDenied` for an
/// `access_denied` status, `AccountsFailed` for `error` (EmfLine has the one dimension
/// `Stage`, so the status is in the metric's name), with the account and status as properties.
pub fn account_failed_emf(account: &AccountId, status: AccountState) -> String {
    let name = match status {
        AccountState::AccessDenied => "AccountsAccessDenied",
        _ => "AccountsFailed",
    };
    EmfLine::new("ingest")
        .property("status", status.as_str())
        .property("account_id", account.as_str())
        .metric(name, Unit::Count, 1)
        .to_line(chrono::Utc::now())
}

/// One EMF line for a sweep run.
pub fn sweep_emf(report: &SweepReport, paused: bool) -> String {
    let metrics = [
        ("ZonesSwept", report.zones_swept),
        ("ZonesFailed", report.failures.len() as u64),
        ("RecordSetsSwept", report.record_sets),
        ("Route53Pages", report.route53_pages),
        ("Route53Calls", report.route53_calls),
        ("Route53Retries", report.route53_retries),
        ("MessagesSent", report.messages),
    ];
    let line = EmfLine::new("ingest")
        .property("sweep_id", report.sweep_id.as_str())
        .property("paused", paused);
    metrics
        .into_iter()
        .fold(line, |line, (name, value)| line.metric(name, Unit::Count, value))
        .to_line(chrono::Utc::now())
}

/// One EMF line for an account's backfill run (one invocation's part, in the Lambda).
pub fn backfill_emf(report: &AccountBackfill, paused: bool) -> String {
    let c = &report.counts;
    let metrics = [
        ("BackfillEventsRead", c.events),
        ("BackfillEventsApplied", c.applied),
        ("BackfillEventsIncomplete", c.incomplete),
        ("BackfillEventsMalformed", c.malformed),
        ("BackfillFailedCalls", c.failed_calls),
        ("BackfillPages", report.pages),
        ("BackfillThrottled", report.throttled),
    ];
    let line = EmfLine::new("ingest")
        .property("account_id", report.account_id.as_str())
        .property("status", report.status.as_str())
        .property("paused", paused);
    metrics
        .into_iter()
        .fold(line, |line, (name, value)| line.metric(name, Unit::Count, value))
        .to_line(chrono::Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_account_is_counted_by_status() {
        let account = AccountId::parse("111122223333").unwrap();
        let line: serde_json::Value =
            serde_json::from_str(&account_failed_emf(&account, AccountState::AccessDenied))
                .unwrap();
        assert_eq!(line["AccountsAccessDenied"], 1);
        assert_eq!(line["status"], "access_denied");
        assert_eq!(line["account_id"], "111122223333");
    }

    #[test]
    fn emf_line_declares_and_carries_each_metric() {
        let report =
            SweepReport { sweep_id: "s".into(), record_sets: 42, ..SweepReport::default() };
        let line: serde_json::Value = serde_json::from_str(&sweep_emf(&report, false)).unwrap();
        assert_eq!(line["RecordSetsSwept"], 42);
        let declared = &line["_aws"]["CloudWatchMetrics"][0]["Metrics"];
        assert!(declared.as_array().unwrap().iter().any(|m| m["Name"] == "RecordSetsSwept"));
    }

    #[test]
    fn a_backfill_line_carries_its_counts() {
        let mut report = AccountBackfill::new(AccountId::parse("111122223333").unwrap(), None);
        report.counts.events = 50;
        report.counts.incomplete = 2;
        report.throttled = 3;
        let line: serde_json::Value = serde_json::from_str(&backfill_emf(&report, true)).unwrap();
        assert_eq!(line["BackfillEventsRead"], 50);
        assert_eq!(line["BackfillEventsIncomplete"], 2);
        assert_eq!(line["BackfillThrottled"], 3);
        assert_eq!(line["paused"], true);
        let declared = &line["_aws"]["CloudWatchMetrics"][0]["Metrics"];
        assert!(
            declared.as_array().unwrap().iter().any(|m| m["Name"] == "BackfillEventsMalformed")
        );
    }
}
