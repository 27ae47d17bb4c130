//! CloudWatch Embedded Metric Format: one JSON line per batch on stdout, which Lambda ships to
//! CloudWatch Logs and CloudWatch turns into metrics (namespace `zonetrail`, dimension
//! `Stage=writer`). No API call, no extra latency.

use serde_json::{Value, json};
use zonetrail_model::Timestamp;

pub const NAMESPACE: &str = "zonetrail";

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
        let mut definitions = vec![
            json!({"Name": "RecordsUpserted", "Unit": "Count"}),
            json!({"Name": "RecordsTombstoned", "Unit": "Count"}),
            json!({"Name": "MessagesFailed", "Unit": "Count"}),
        ];
        let mut doc = json!({
            "Stage": "writer",
            "RecordsUpserted": self.records_upserted,
            "RecordsTombstoned": self.records_tombstoned,
            "MessagesFailed": self.messages_failed,
        });
        if !self.freshness_lag_seconds.is_empty() {
            definitions.push(json!({"Name": "FreshnessLagSeconds", "Unit": "Seconds"}));
            doc["FreshnessLagSeconds"] = Value::from(self.freshness_lag_seconds.clone());
        }
        doc["_aws"] = json!({
            "Timestamp": now.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Stage"]],
                "Metrics": definitions,
            }],
        });
        doc.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

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
