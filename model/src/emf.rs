//! CloudWatch Embedded Metric Format: one JSON line on stdout, which Lambda ships to CloudWatch
//! Logs and CloudWatch turns into metrics. No API call, no extra latency. Every stage writes its
//! counts through [`EmfLine`], under namespace [`NAMESPACE`] and the one dimension `Stage`.

use serde_json::{Map, Value, json};

use crate::Timestamp;

pub const NAMESPACE: &str = "zonetrail";

/// The CloudWatch units the stages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Seconds => "Seconds",
        }
    }
}

/// One EMF document being built: metrics (declared in `_aws` and carried as top-level fields)
/// and plain properties (carried only, so they are searchable in the log but cost no metric).
#[derive(Debug, Clone)]
pub struct EmfLine {
    definitions: Vec<Value>,
    fields: Map<String, Value>,
}

impl EmfLine {
    /// A document for `stage` (the value of the `Stage` dimension: `ingest`, `writer`, ...).
    pub fn new(stage: &str) -> Self {
        let mut fields = Map::new();
        fields.insert("Stage".into(), stage.into());
        EmfLine { definitions: Vec::new(), fields }
    }

    /// Declare metric `name` and carry its value (a number, or an array of numbers for
    /// several samples).
    pub fn metric(mut self, name: &str, unit: Unit, value: impl Into<Value>) -> Self {
        debug_assert!(!self.fields.contains_key(name), "{name} is set twice");
        self.definitions.push(json!({"Name": name, "Unit": unit.as_str()}));
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Carry `name` as a plain property: in the log line, not a metric.
    pub fn property(mut self, name: &str, value: impl Into<Value>) -> Self {
        debug_assert!(!self.fields.contains_key(name), "{name} is set twice");
        self.fields.insert(name.into(), value.into());
        self
    }

    /// The document as one line, stamped `now`.
    pub fn to_line(&self, now: Timestamp) -> String {
        let mut doc = self.fields.clone();
        doc.insert(
            "_aws".into(),
            json!({
                "Timestamp": now.timestamp_millis(),
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Stage"]],
                    "Metrics": self.definitions,
                }],
            }),
        );
        Value::Object(doc).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_line_declares_each_metric_and_carries_it_and_the_properties() {
        let line = EmfLine::new("writer")
            .metric("RecordsUpserted", Unit::Count, 300u64)
            .metric("FreshnessLagSeconds", Unit::Seconds, vec![1.5, 4.0])
            .property("sweep_id", "s1")
            .to_line(Utc.timestamp_opt(1_790_000_000, 0).unwrap());
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v["_aws"],
            json!({
                "Timestamp": 1_790_000_000_000i64,
                "CloudWatchMetrics": [{
                    "Namespace": "zonetrail",
                    "Dimensions": [["Stage"]],
                    "Metrics": [
                        {"Name": "RecordsUpserted", "Unit": "Count"},
                        {"Name": "FreshnessLagSeconds", "Unit": "Seconds"},
                    ],
                }],
            })
        );
        assert_eq!(v["Stage"], "writer");
        assert_eq!(v["RecordsUpserted"], 300);
        assert_eq!(v["FreshnessLagSeconds"], json!([1.5, 4.0]));
        assert_eq!(v["sweep_id"], "s1");
    }

    #[test]
    fn the_line_is_the_same_as_the_stages_wrote_before_they_shared_it() {
        // Byte for byte what ingest's own encoder printed (keys sorted: serde_json's map).
        let line = EmfLine::new("ingest")
            .metric("ZonesSwept", Unit::Count, 2u64)
            .property("paused", false)
            .to_line(Utc.timestamp_opt(1_790_000_000, 0).unwrap());
        assert_eq!(
            line,
            r#"{"Stage":"ingest","ZonesSwept":2,"_aws":{"CloudWatchMetrics":[{"Dimensions":[["Stage"]],"Metrics":[{"Name":"ZonesSwept","Unit":"Count"}],"Namespace":"zonetrail"}],"Timestamp":1790000000000},"paused":false}"#
        );
    }
}
