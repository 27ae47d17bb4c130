//! The writer's counts as one CloudWatch Embedded Metric Format line per batch (dimension
//! `Stage=writer`), through the shared encoder in [`zonetrail_model::emf`].

use zonetrail_model::Timestamp;
use zonetrail_model::emf::{EmfLine, Unit};

/// What a batch did, for the metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchMetrics {
    pub records_upserted: u64,
    pub records_tombstoned: u64,
    pub messages_failed: u64,
    /// Per applied message: now − its `observed_at`, in seconds.
    pub freshness_lag_seconds: Vec<f64>,
}

impl BatchMetrics {
    /// The EMF document for this batch, as one line.
    pub fn emf_line(&self, now: Timestamp) -> String {
        let mut line = EmfLine::new("writer")
            .metric("RecordsUpserted", Unit::Count, self.records_upserted)
            .metric("RecordsTombstoned", Unit::Count, self.records_tombstoned)
            .metric("MessagesFailed", Unit::Count, self.messages_failed);
        if !self.freshness_lag_seconds.is_empty() {
            line = line.metric(
                "FreshnessLagSeconds",
                Unit::Seconds,
                self.freshness_lag_seconds.clone(),
            );
        }
        line.to_line(now)
    }
}

/// One failed publishing of notifications (the outbox could not be read or updated), as an
/// EMF line: `NotifyErrors` = 1, `Stage=writer`. The publisher's own lines (`Stage=notify`)
/// count the events sent and refused.
pub fn notify_error_line(now: Timestamp) -> String {
    EmfLine::new("writer").metric("NotifyErrors", Unit::Count, 1u64).to_line(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::{Value, json};

    #[test]
    fn emf_line_declares_every_metric_it_carries() {
        let m = BatchMetrics {
            records_upserted: 300,
            records_tombstoned: 2,
            messages_failed: 1,
            freshness_lag_seconds: vec![1.5, 4.0],
        };
        let line = m.emf_line(Utc.timestamp_opt(1_790_000_000, 0).unwrap());
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        let def = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(def["Namespace"], "zonetrail");
        assert_eq!(v["_aws"]["Timestamp"], 1_790_000_000_000i64);
        for metric in def["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            assert!(!v[name].is_null(), "{name} is declared but missing");
        }
        assert_eq!(v["RecordsUpserted"], 300);
        assert_eq!(v["FreshnessLagSeconds"], json!([1.5, 4.0]));
        assert_eq!(v["Stage"], "writer");
    }

    #[test]
    fn a_batch_without_applied_messages_has_no_lag_metric() {
        let m = BatchMetrics { messages_failed: 3, ..BatchMetrics::default() };
        let v: Value = serde_json::from_str(&m.emf_line(Utc::now())).unwrap();
        assert!(v.get("FreshnessLagSeconds").is_none());
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap().len(), 3);
    }
}
