//! Counts operators watch, as CloudWatch Embedded Metric Format lines (Lambda's stdout goes to
//! CloudWatch Logs, which turns such lines into metrics).

use zonetrail_model::emf::{EmfLine, Unit};

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
    let line = EmfLine::new("ingest")
        .property("sweep_id", report.sweep_id.as_str())
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
    fn emf_line_declares_and_carries_each_metric() {
        let report =
            SweepReport { sweep_id: "s".into(), record_sets: 42, ..SweepReport::default() };
        let line: serde_json::Value = serde_json::from_str(&sweep_emf(&report, false)).unwrap();
        assert_eq!(line["RecordSetsSwept"], 42);
        let declared = &line["_aws"]["CloudWatchMetrics"][0]["Metrics"];
        assert!(declared.as_array().unwrap().iter().any(|m| m["Name"] == "RecordSetsSwept"));
    }
}
