//! A finding's evidence in plain words, for the dashboard and notifications.

use crate::Kind;

/// One sentence that says what is wrong, from the finding's kind, subject and evidence, e.g.
/// "points at 203.0.113.7, an AWS address that none of your 12 accounts holds".
pub fn describe(kind: Kind, subject: &str, evidence: &serde_json::Value) -> String {
    let _ = evidence;
    format!("{kind}: {subject}") // TODO(helper A)
}
