//! Counts operators watch, as CloudWatch Embedded Metric Format lines (Lambda's stdout goes to
//! CloudWatch Logs, which turns such lines into metrics).

use crate::sweep::SweepReport;

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
    let mut line = serde_json::json!({
        "_aws": {
            "Timestamp": chrono::Utc::now().timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "zonetrail",
                "Dimensions": [["Stage"]],
                "Metrics": metrics.iter().map(|(name, _)| serde_json::json!({"Name": name, "Unit": "Count"})).collect::<Vec<_>>(),
            }],
        },
        "Stage": "ingest",
        "sweep_id": report.sweep_id,
        "paused": paused,
    });
    for (name, value) in metrics {
        line[name] = value.into();
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_line_declares_and_carries_each_metric() {
        let report =
            SweepReport { sweep_id: "s".into(), record_sets: 42, ..SweepReport::default() };
        let line: serde_json::Value = serde_json::from_str(&sweep_emf(&report, false)).unwrap();
        assert_eq!(line["RecordSetsSwept"], 42);
        let declared = &line["_aws"]["CloudWatchMetrics"][0]["Metrics"];
        assert!(declared.as_array().unwrap().iter().any(|m| m["Name"] == "RecordSetsSwept"));
    }
}
