//! The events the fake holds, newest first, and the filters of one `LookupEvents` call.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

/// The longest `AttributeValue` CloudTrail accepts.
const MAX_ATTRIBUTE_VALUE: usize = 2000;

/// One event as `LookupEvents` describes it.
#[derive(Debug, Clone)]
pub(super) struct StoredEvent {
    id: String,
    /// Microseconds since the epoch.
    at: i64,
    name: String,
    source: String,
    read_only: &'static str,
    access_key_id: Option<String>,
    username: Option<String>,
    /// `(ResourceType, ResourceName)`.
    resources: Vec<(String, String)>,
    record: String,
}

/// Where a page ended: the next page starts after this event in the store's order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Cursor {
    pub at: i64,
    pub id: String,
}

type Key = (Reverse<i64>, String);

impl Cursor {
    fn key(&self) -> Key {
        (Reverse(self.at), self.id.clone())
    }
}

impl StoredEvent {
    /// From a CloudTrail record, with the members `LookupEvents` lifts out of it.
    pub(super) fn from_record(record: &Value) -> Result<Self, String> {
        let str_at = |path: &[&str]| -> Option<String> {
            let mut v = record;
            for key in path {
                v = v.get(key)?;
            }
            v.as_str().map(str::to_owned)
        };
        let id = str_at(&["eventID"]).ok_or("the record has no string eventID")?;
        let name = str_at(&["eventName"]).ok_or_else(|| format!("event {id} has no eventName"))?;
        let raw_time =
            str_at(&["eventTime"]).ok_or_else(|| format!("event {id} has no eventTime"))?;
        let time = DateTime::parse_from_rfc3339(&raw_time)
            .map_err(|e| format!("event {id}: eventTime {raw_time:?} is not RFC 3339: {e}"))?
            .with_timezone(&Utc);
        let source = str_at(&["eventSource"]).unwrap_or_else(|| "route53.amazonaws.com".into());
        let read_only = match record.get("readOnly") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => ["Get", "List", "Describe", "Test"].iter().any(|p| name.starts_with(p)),
        };
        let username = str_at(&["userIdentity", "userName"]).or_else(|| {
            match str_at(&["userIdentity", "type"]).as_deref() {
                // CloudTrail names an assumed role's caller by its session name.
                Some("AssumedRole") => str_at(&["userIdentity", "arn"])
                    .and_then(|arn| arn.rsplit('/').next().map(str::to_owned)),
                Some("Root") => Some("root".to_owned()),
                _ => None,
            }
        });
        let zone = str_at(&["requestParameters", "hostedZoneId"])
            .or_else(|| str_at(&["requestParameters", "id"]))
            .or_else(|| str_at(&["responseElements", "hostedZone", "id"]));
        let resources = zone
            .map(|z| {
                let bare = z.trim_start_matches("/hostedzone/").to_owned();
                vec![("AWS::Route53::HostedZone".to_owned(), bare)]
            })
            .unwrap_or_default();
        Ok(Self {
            at: micros(time),
            id,
            name,
            source,
            read_only: if read_only { "true" } else { "false" },
            access_key_id: str_at(&["userIdentity", "accessKeyId"]),
            username,
            resources,
            record: record.to_string(),
        })
    }

    pub(super) fn raw(id: &str, time: DateTime<Utc>, name: &str, record: &str) -> Self {
        Self {
            id: id.to_owned(),
            at: micros(time),
            name: name.to_owned(),
            source: "route53.amazonaws.com".to_owned(),
            read_only: "false",
            access_key_id: None,
            username: None,
            resources: Vec::new(),
            record: record.to_owned(),
        }
    }

    pub(super) fn cursor(&self) -> Cursor {
        Cursor { at: self.at, id: self.id.clone() }
    }

    /// The `Event` member of a `LookupEvents` answer.
    pub(super) fn to_api(&self) -> Value {
        let resources: Vec<Value> = self
            .resources
            .iter()
            .map(|(kind, name)| json!({ "ResourceType": kind, "ResourceName": name }))
            .collect();
        let mut event = json!({
            "EventId": self.id,
            "EventName": self.name,
            "ReadOnly": self.read_only,
            "EventTime": self.at as f64 / 1e6,
            "EventSource": self.source,
            "Resources": resources,
            "CloudTrailEvent": self.record,
        });
        if let Some(key) = &self.access_key_id {
            event["AccessKeyId"] = Value::String(key.clone());
        }
        if let Some(user) = &self.username {
            event["Username"] = Value::String(user.clone());
        }
        event
    }
}

fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// A lookup attribute: CloudTrail's key and the value it must equal.
#[derive(Debug, Clone)]
pub(super) struct Attribute {
    key: String,
    value: String,
}

impl Attribute {
    pub(super) fn parse(item: &Value) -> Result<Self, String> {
        let key = item
            .get("AttributeKey")
            .and_then(Value::as_str)
            .ok_or("A lookup attribute needs an AttributeKey.")?;
        let value = item
            .get("AttributeValue")
            .and_then(Value::as_str)
            .ok_or("A lookup attribute needs an AttributeValue.")?;
        const KEYS: [&str; 8] = [
            "EventId",
            "EventName",
            "ReadOnly",
            "Username",
            "ResourceType",
            "ResourceName",
            "EventSource",
            "AccessKeyId",
        ];
        if !KEYS.contains(&key) {
            return Err(format!("Unknown AttributeKey {key:?}; valid keys are {KEYS:?}."));
        }
        if value.is_empty() || value.chars().count() > MAX_ATTRIBUTE_VALUE {
            return Err(format!(
                "The AttributeValue for {key} must be 1 to {MAX_ATTRIBUTE_VALUE} characters."
            ));
        }
        Ok(Self { key: key.to_owned(), value: value.to_owned() })
    }

    fn matches(&self, e: &StoredEvent) -> bool {
        let v = self.value.as_str();
        match self.key.as_str() {
            "EventId" => e.id == v,
            "EventName" => e.name == v,
            "ReadOnly" => e.read_only == v,
            "Username" => e.username.as_deref() == Some(v),
            "ResourceType" => e.resources.iter().any(|(kind, _)| kind == v),
            "ResourceName" => e.resources.iter().any(|(_, name)| name == v),
            "EventSource" => e.source == v,
            "AccessKeyId" => e.access_key_id.as_deref() == Some(v),
            _ => false,
        }
    }
}

/// The filters of one call.
#[derive(Debug, Clone)]
pub(super) struct Query {
    pub attribute: Option<Attribute>,
    /// Epoch seconds, inclusive.
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub max_results: usize,
    pub category: Option<String>,
}

impl Query {
    /// What a `NextToken` is bound to: every parameter except the page size.
    pub(super) fn params(&self) -> Value {
        json!({
            "a": self.attribute.as_ref().map(|a| [&a.key, &a.value]),
            "s": self.start,
            "e": self.end,
            "c": self.category,
        })
    }
}

#[derive(Default)]
pub(super) struct Store {
    events: BTreeMap<Key, StoredEvent>,
    by_id: HashMap<String, Key>,
}

impl Store {
    pub(super) fn insert(&mut self, event: StoredEvent) {
        let key = event.cursor().key();
        if let Some(old) = self.by_id.insert(event.id.clone(), key.clone()) {
            self.events.remove(&old);
        }
        self.events.insert(key, event);
    }

    pub(super) fn len(&self) -> usize {
        self.events.len()
    }

    /// One page of events matching `query` after `cursor`, not older than `horizon`, and
    /// whether more follow.
    pub(super) fn page(
        &self,
        query: &Query,
        cursor: Option<&Cursor>,
        horizon: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> (Vec<StoredEvent>, bool) {
        // Management events only: the fake holds no Insights events.
        if query.category.is_some() {
            return (Vec::new(), false);
        }
        // CloudTrail's defaults: from 90 days ago to now.
        let end = query.end.map(|t| (t * 1e6).floor() as i64).unwrap_or_else(|| micros(now));
        let start =
            query.start.map(|t| (t * 1e6).ceil() as i64).unwrap_or(i64::MIN).max(micros(horizon));
        let first: Key = (Reverse(end), String::new());
        let from = match cursor {
            Some(cursor) if cursor.key() >= first => Bound::Excluded(cursor.key()),
            _ => Bound::Included(first),
        };
        let mut matching = self
            .events
            .range((from, Bound::Unbounded))
            .map(|(_, e)| e)
            .take_while(|e| e.at >= start)
            .filter(|e| query.attribute.as_ref().is_none_or(|a| a.matches(e)));
        let page: Vec<StoredEvent> = matching.by_ref().take(query.max_results).cloned().collect();
        let more = matching.next().is_some();
        (page, more)
    }
}
