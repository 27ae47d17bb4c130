//! The local sink: one HTTP POST of each event to a webhook (`zonetrail up --notify-webhook`),
//! as the event's JSON detail or as Slack's `{"text": ...}`. Every POST names its detail-type
//! in the [`DETAIL_TYPE_HEADER`] header (`DNS Record Changed`, `Finding Opened`, `Finding
//! Resolved`), which a JSON receiver needs to tell a finding opened from one resolved.

use std::time::Duration;

use api::history::FeedItem;
use api::records::view::RecordContent;
use url::Url;

use crate::{ChangeEvent, Event, FindingChange, FindingEvent, SendError, Sink};

/// The header that names the event's detail-type.
pub const DETAIL_TYPE_HEADER: &str = "x-zonetrail-detail-type";

/// The default time a receiver has to answer; a receiver that hangs is cut off and retried.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What is posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// The event's detail as JSON ([`ChangeEvent`] or [`FindingEvent`]),
    /// `content-type: application/json`.
    #[default]
    Json,
    /// `{"text": "..."}` (Slack's incoming webhooks, and whatever is compatible): who changed
    /// what, before → after; a finding's kind, severity, record and evidence in plain words.
    Slack,
}

/// A webhook that cannot be used: said at start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// `raw` as a webhook URL: it parses, and is http or https with a host.
pub fn parse_url(raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        ConfigError(format!("{raw:?} is not a URL ({e}); expected http(s)://HOST[:PORT]/PATH"))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError(format!(
            "{raw:?} is not an http or https URL (its scheme is {:?})",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError(format!("{raw:?} has no host")));
    }
    Ok(url)
}

/// Posts each event to one URL. The URL may carry a secret (Slack's do): it is never logged.
pub struct WebhookSink {
    client: reqwest::Client,
    url: Url,
    format: Format,
    timeout: Duration,
}

impl WebhookSink {
    /// A sink posting to `url`, each request cut off after `timeout`. A URL that does not
    /// parse, or is not http/https, is refused here.
    pub fn new(url: &str, format: Format, timeout: Duration) -> Result<Self, ConfigError> {
        let url = parse_url(url)?;
        if timeout.is_zero() {
            return Err(ConfigError("the webhook timeout must be positive".into()));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("zonetrail/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client, url, format, timeout })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The body posted for `event`.
    pub fn body(&self, event: &Event) -> String {
        match self.format {
            Format::Json => event.to_json(),
            Format::Slack => {
                let text = match event {
                    Event::Change(change) => slack_text(change),
                    Event::Finding(finding) => finding_text(finding),
                };
                serde_json::json!({ "text": text }).to_string()
            }
        }
    }

    async fn post(&self, event: &Event) -> Result<(), SendError> {
        let answer = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DETAIL_TYPE_HEADER, event.detail_type())
            .body(self.body(event))
            .send()
            .await
            .map_err(|e| {
                SendError(if e.is_timeout() {
                    format!("no answer within {:?}", self.timeout)
                } else if e.is_connect() {
                    format!("cannot connect: {}", e.without_url())
                } else {
                    e.without_url().to_string()
                })
            })?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let text = answer.text().await.unwrap_or_default();
        let text: String = text.chars().take(200).collect();
        Err(SendError(format!("the receiver answered {status}: {}", text.trim())))
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, events: &[Event]) -> Vec<Result<(), SendError>> {
        let mut results = Vec::with_capacity(events.len());
        for event in events {
            results.push(self.post(event).await);
        }
        results
    }
}

/// The short name of an actor ARN: `alice` for an IAM user, `Role/session` for an assumed
/// role, the ARN itself otherwise.
fn short_actor(arn: &str) -> &str {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    match resource.split_once('/') {
        Some(("assumed-role", rest)) => rest,
        Some((_, name)) => name.rsplit('/').next().unwrap_or(name),
        None => arn,
    }
}

fn values(c: &RecordContent) -> String {
    if let Some(alias) = &c.alias_target {
        return format!("alias {}", alias.dns_name);
    }
    if c.values.is_empty() { "(no values)".into() } else { c.values.join(", ") }
}

fn with_ttl(c: &RecordContent) -> String {
    match c.ttl {
        Some(ttl) => format!("{} (TTL {ttl})", values(c)),
        None => values(c),
    }
}

/// The routing settings that differ, as `weight 10 → 55`; plain JSON for nested ones.
fn routing_changes(before: &RecordContent, after: &RecordContent) -> String {
    let as_map = |c: &RecordContent| match serde_json::to_value(&c.routing) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let (b, a) = (as_map(before), as_map(after));
    let null = serde_json::Value::Null;
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let changes: Vec<String> = keys
        .into_iter()
        .filter_map(|k| {
            let (x, y) = (b.get(k).unwrap_or(&null), a.get(k).unwrap_or(&null));
            (x != y).then(|| format!("{k} {} → {}", show(x), show(y)))
        })
        .collect();
    if changes.is_empty() { "routing changed".into() } else { changes.join(", ") }
}

/// One line for people: who changed what, before → after. A change the sweep found says so
/// and names no one.
pub fn slack_text(event: &ChangeEvent) -> String {
    let item: &FeedItem = &event.item;
    let change = &item.change;
    let mut what = format!("{} {}", item.name, item.record_type);
    if let Some(id) = &item.set_identifier {
        what.push_str(&format!(" [{id}]"));
    }
    let zone = match &item.zone_name {
        Some(name) => format!("{name} ({})", item.zone_id),
        None => item.zone_id.clone(),
    };
    let verb = match change.action.as_str() {
        "create" => "created",
        "delete" => "deleted",
        _ => "updated",
    };
    let detail = if event.truncated {
        "(too large to show; see the history)".to_owned()
    } else {
        match (&change.before, &change.after) {
            (None, Some(after)) if change.before_unknown => format!("? → {}", values(after)),
            (None, Some(after)) => values(after),
            (Some(before), None) => format!("was {}", values(before)),
            (Some(before), Some(after)) => {
                let (b, a) = (values(before), values(after));
                if b != a {
                    format!("{b} → {a}")
                } else if with_ttl(before) != with_ttl(after) {
                    format!("{} → {}", with_ttl(before), with_ttl(after))
                } else {
                    format!("{b} ({})", routing_changes(before, after))
                }
            }
            (None, None) => String::new(),
        }
    };
    let sentence = match (change.source.as_str(), &change.actor) {
        ("sweep" | "reconcile", _) => format!("{what} in {zone} {verb}, found by the sweep"),
        (_, Some(actor)) => format!("{} ({actor}) {verb} {what} in {zone}", short_actor(actor)),
        (_, None) => format!("someone {verb} {what} in {zone}"),
    };
    let mut text = if detail.is_empty() { sentence } else { format!("{sentence}: {detail}") };
    if change.via.as_deref() == Some("backfill") {
        text.push_str(&format!(" (from CloudTrail's history, at {})", change.observed_at));
    }
    text
}

/// One line for people about a finding: opened (with its severity and its evidence in plain
/// words) or resolved (with why), and the record it is about.
///
/// `Finding opened (high, dangling_ip): www.example.com. A in example.com. (Z123) points at
/// 203.0.113.7, ...`; `Finding resolved (dangling_ip): www.example.com. A in example.com.
/// (Z123): resource exists`.
pub fn finding_text(event: &FindingEvent) -> String {
    let item = &event.item;
    let record = &item.record;
    let mut what = format!("{} {}", record.name, record.record_type);
    if let Some(id) = &record.set_identifier {
        what.push_str(&format!(" [{id}]"));
    }
    let zone = match &record.zone_name {
        Some(name) => format!("{name} ({})", record.zone_id),
        None => record.zone_id.clone(),
    };
    match event.change {
        FindingChange::Opened => {
            format!(
                "Finding opened ({}, {}): {what} in {zone}: {}",
                item.severity, item.kind, item.summary
            )
        }
        FindingChange::Resolved => format!(
            "Finding resolved ({}): {what} in {zone}: {}",
            item.kind,
            item.resolved_reason.as_deref().unwrap_or("resolved")
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use api::history::ChangeView;

    fn content(values: &[&str], ttl: i64) -> RecordContent {
        serde_json::from_value(serde_json::json!({
            "name": "www.example.com.", "type": "A", "ttl": ttl, "values": values,
        }))
        .unwrap()
    }

    fn event(
        action: &str,
        source: &str,
        actor: Option<&str>,
        before: Option<RecordContent>,
        after: Option<RecordContent>,
    ) -> ChangeEvent {
        ChangeEvent {
            item: FeedItem {
                change: ChangeView {
                    id: 1,
                    action: action.into(),
                    source: source.into(),
                    actor: actor.map(Into::into),
                    actor_role: None,
                    event_id: None,
                    observed_at: chrono::Utc::now(),
                    before,
                    after,
                    via: None,
                    before_unknown: false,
                    comment: None,
                    annotation_before: None,
                    annotation_after: None,
                },
                record_id: 1,
                zone_id: "Z123".into(),
                zone_name: Some("example.com.".into()),
                account_id: None,
                account_name: None,
                name: "www.example.com.".into(),
                record_type: "A".into(),
                set_identifier: None,
            },
            truncated: false,
        }
    }

    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

    #[test]
    fn slack_text_says_who_changed_what_before_and_after() {
        let update = event(
            "update",
            "event",
            Some(ALICE),
            Some(content(&["192.0.2.1"], 60)),
            Some(content(&["192.0.2.2"], 60)),
        );
        assert_eq!(
            slack_text(&update),
            "alice (arn:aws:iam::123456789012:user/alice) updated www.example.com. A in example.com. (Z123): 192.0.2.1 → 192.0.2.2"
        );
        let role = "arn:aws:sts::123456789012:assumed-role/deploy/ci-7";
        let create = event("create", "event", Some(role), None, Some(content(&["192.0.2.1"], 60)));
        assert_eq!(
            slack_text(&create),
            format!(
                "deploy/ci-7 ({role}) created www.example.com. A in example.com. (Z123): 192.0.2.1"
            )
        );
        let delete = event("delete", "event", Some(ALICE), Some(content(&["192.0.2.1"], 60)), None);
        assert!(
            slack_text(&delete)
                .ends_with("deleted www.example.com. A in example.com. (Z123): was 192.0.2.1")
        );
        let ttl = event(
            "update",
            "event",
            Some(ALICE),
            Some(content(&["192.0.2.1"], 60)),
            Some(content(&["192.0.2.1"], 300)),
        );
        assert!(slack_text(&ttl).ends_with("192.0.2.1 (TTL 60) → 192.0.2.1 (TTL 300)"));
        let (mut light, mut heavy) = (content(&["192.0.2.1"], 60), content(&["192.0.2.1"], 60));
        light.routing.weight = Some(10);
        heavy.routing.weight = Some(55);
        let shift = event("update", "event", Some(ALICE), Some(light), Some(heavy));
        assert!(
            slack_text(&shift).ends_with(": 192.0.2.1 (weight 10 → 55)"),
            "{}",
            slack_text(&shift)
        );
    }

    #[test]
    fn a_change_the_sweep_found_names_no_one() {
        let drift = event(
            "update",
            "sweep",
            None,
            Some(content(&["192.0.2.1"], 60)),
            Some(content(&["203.0.113.9"], 60)),
        );
        assert_eq!(
            slack_text(&drift),
            "www.example.com. A in example.com. (Z123) updated, found by the sweep: 192.0.2.1 → 203.0.113.9"
        );
        let gone = event("delete", "reconcile", None, Some(content(&["192.0.2.1"], 60)), None);
        assert_eq!(
            slack_text(&gone),
            "www.example.com. A in example.com. (Z123) deleted, found by the sweep: was 192.0.2.1"
        );
    }

    #[test]
    fn a_truncated_event_says_so_in_slack_text() {
        let mut e = event("update", "event", Some(ALICE), None, None);
        e.truncated = true;
        assert!(slack_text(&e).ends_with("(too large to show; see the history)"));
    }

    #[test]
    fn bodies_are_the_detail_or_slack_text() {
        let e = Event::Change(event(
            "create",
            "event",
            Some(ALICE),
            None,
            Some(content(&["192.0.2.1"], 60)),
        ));
        let json =
            WebhookSink::new("http://127.0.0.1:9/hook", Format::Json, DEFAULT_TIMEOUT).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json.body(&e)).unwrap();
        assert_eq!((v["id"].as_i64(), v["action"].as_str()), (Some(1), Some("create")));
        let slack = WebhookSink::new("https://hooks.example/T/B/x", Format::Slack, DEFAULT_TIMEOUT)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&slack.body(&e)).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 1);
        assert!(v["text"].as_str().unwrap().starts_with("alice ("));
    }

    #[test]
    fn a_url_that_is_not_http_is_refused_with_a_clear_message() {
        assert!(parse_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(parse_url("https://hooks.slack.com/services/T/B/x").is_ok());
        let e = parse_url("not a url").unwrap_err().0;
        assert!(e.contains("\"not a url\" is not a URL"), "{e}");
        let e = parse_url("ftp://example.com/x").unwrap_err().0;
        assert!(e.contains("is not an http or https URL") && e.contains("ftp"), "{e}");
        assert!(parse_url("mailto:ops@example.com").is_err());
        assert!(WebhookSink::new("http://x/", Format::Json, Duration::ZERO).is_err());
    }

    pub(crate) fn finding(change: FindingChange) -> FindingEvent {
        use api::findings::{FindingItem, FindingRecord};
        let at = chrono::Utc::now();
        let resolved = change == FindingChange::Resolved;
        FindingEvent {
            change,
            item: FindingItem {
                id: 9,
                kind: "dangling_ip".into(),
                severity: "high".into(),
                status: if resolved { "resolved" } else { "open" }.into(),
                summary: "points at 35.180.1.1, an AWS address (35.180.0.0/16, eu-west-3) that none of your 3 accounts holds".into(),
                subject: "35.180.1.1".into(),
                evidence: serde_json::json!({"ip": "35.180.1.1", "range": "35.180.0.0/16"}),
                record: FindingRecord {
                    id: 3,
                    zone_id: "Z123".into(),
                    zone_name: Some("example.com.".into()),
                    name: "www.example.com.".into(),
                    record_type: "A".into(),
                    set_identifier: None,
                },
                account_id: None,
                account_name: None,
                first_seen_at: at,
                last_seen_at: at,
                resolved_at: resolved.then_some(at),
                resolved_reason: resolved.then(|| "resource exists".into()),
                suppression: None,
            },
            at,
            truncated: false,
        }
    }

    #[test]
    fn finding_text_says_what_was_opened_or_resolved_and_why() {
        assert_eq!(
            finding_text(&finding(FindingChange::Opened)),
            "Finding opened (high, dangling_ip): www.example.com. A in example.com. (Z123): points at 35.180.1.1, an AWS address (35.180.0.0/16, eu-west-3) that none of your 3 accounts holds"
        );
        assert_eq!(
            finding_text(&finding(FindingChange::Resolved)),
            "Finding resolved (dangling_ip): www.example.com. A in example.com. (Z123): resource exists"
        );
    }

    #[test]
    fn a_finding_body_is_the_finding_or_slack_text() {
        let e = Event::Finding(finding(FindingChange::Opened));
        assert_eq!(e.detail_type(), "Finding Opened");
        let json =
            WebhookSink::new("http://127.0.0.1:9/hook", Format::Json, DEFAULT_TIMEOUT).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json.body(&e)).unwrap();
        assert_eq!((v["id"].as_i64(), v["kind"].as_str()), (Some(9), Some("dangling_ip")));
        assert_eq!((v["record"]["type"].as_str(), v["status"].as_str()), (Some("A"), Some("open")));
        assert!(v.get("truncated").is_none());
        let slack = WebhookSink::new("https://hooks.example/T/B/x", Format::Slack, DEFAULT_TIMEOUT)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&slack.body(&e)).unwrap();
        assert!(v["text"].as_str().unwrap().starts_with("Finding opened (high, dangling_ip)"));
    }

    #[test]
    fn a_finding_too_large_is_sent_without_its_evidence() {
        let mut f = finding(FindingChange::Opened);
        f.item.evidence = serde_json::json!({"zones_with_name": vec!["x".repeat(1000); 300]});
        let fitted = FindingEvent::fitted(f.change, f.item, f.at);
        assert!(fitted.truncated);
        let json = fitted.to_json();
        assert!(json.len() <= crate::publisher::MAX_FINDING_DETAIL_BYTES);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(v["evidence"].is_null());
        assert_eq!((v["truncated"].as_bool(), v["id"].as_i64()), (Some(true), Some(9)));
        let small = finding(FindingChange::Resolved);
        assert!(!FindingEvent::fitted(small.change, small.item, small.at).truncated);
    }
}
