//! Structured mutations of a JSON event: the fuzzer picks a seed event and a list of edits,
//! each at a path chosen by indices into objects and arrays, so that nearly every input is a
//! plausible CloudTrail event with a few wrong members rather than bytes that are not JSON.

use arbitrary::Arbitrary;
use serde_json::{Map, Number, Value};

use crate::SEED_EVENTS;

/// Member names the decoder looks for, to add or swap in.
const KEYS: [&str; 34] = [
    "detail-type",
    "source",
    "detail",
    "eventName",
    "eventID",
    "eventTime",
    "eventSource",
    "errorCode",
    "readOnly",
    "userIdentity",
    "arn",
    "sessionContext",
    "sessionIssuer",
    "requestParameters",
    "responseElements",
    "hostedZoneId",
    "id",
    "changeBatch",
    "changes",
    "action",
    "resourceRecordSet",
    "name",
    "type",
    "setIdentifier",
    "tTL",
    "resourceRecords",
    "value",
    "aliasTarget",
    "weight",
    "geoLocation",
    "geoProximityLocation",
    "cidrRoutingConfig",
    "hostedZone",
    "vPC",
];

/// Values that sit on the decoder's edges.
const TEXTS: [&str; 30] = [
    "",
    " ",
    "AWS API Call via CloudTrail",
    "aws.route53",
    "route53.amazonaws.com",
    "ChangeResourceRecordSets",
    "CreateHostedZone",
    "DeleteHostedZone",
    "AssociateVPCWithHostedZone",
    "GetHostedZone",
    "CREATE",
    "upsert",
    "DELETE",
    "A",
    "TYPE65534",
    "\\052.Example.COM",
    "a..b",
    "a\\",
    "a\\400.com",
    "/hostedzone/Z1",
    "hostedzone/",
    "Z1'; DROP TABLE",
    "2026-11-22T10:00:00Z",
    "2026-11-22T10:00:00.123456789+14:00",
    "9999-12-31T23:59:59Z",
    "not a time",
    "99999999999999999999",
    "-1",
    "1e400",
    "NaN",
];

#[derive(Debug, Arbitrary)]
pub struct EventCase {
    pub seed: u8,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Arbitrary)]
pub struct Edit {
    pub path: Vec<u8>,
    pub change: Change,
}

#[derive(Debug, Arbitrary)]
pub enum Change {
    Null,
    Remove,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    KnownText(u8),
    EmptyObject,
    EmptyArray,
    /// Put the value inside a one-element array.
    WrapInArray,
    /// Add (or overwrite) a known member with a value from [`TEXTS`].
    SetKey {
        key: u8,
        text: u8,
    },
    /// Copy the last element of an array onto its end (a batch with a repeated change).
    DuplicateLast,
    /// Upper-case every member name of an object (CloudTrail spells them in lower camel case).
    UpperCaseKeys,
}

impl EventCase {
    pub fn build(&self) -> Value {
        let seed = SEED_EVENTS[usize::from(self.seed) % SEED_EVENTS.len()];
        let mut event: Value = serde_json::from_str(seed).expect("seed events are JSON");
        for edit in self.edits.iter().take(16) {
            apply(&mut event, &edit.path, &edit.change);
        }
        event
    }
}

fn apply(value: &mut Value, path: &[u8], change: &Change) {
    match path.split_first() {
        Some((&step, rest)) if has_children(value) => {
            if rest.is_empty() && matches!(change, Change::Remove) {
                remove_child(value, step);
            } else if let Some(child) = child(value, step) {
                apply(child, rest, change);
            }
        }
        _ => edit(value, change),
    }
}

fn has_children(value: &Value) -> bool {
    match value {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn child(value: &mut Value, step: u8) -> Option<&mut Value> {
    match value {
        Value::Object(m) => {
            let i = usize::from(step) % m.len();
            m.values_mut().nth(i)
        }
        Value::Array(a) => {
            let i = usize::from(step) % a.len();
            a.get_mut(i)
        }
        _ => None,
    }
}

fn remove_child(value: &mut Value, step: u8) {
    match value {
        Value::Object(m) => {
            let key = m.keys().nth(usize::from(step) % m.len()).cloned();
            if let Some(key) = key {
                m.remove(&key);
            }
        }
        Value::Array(a) => {
            let i = usize::from(step) % a.len();
            a.remove(i);
        }
        _ => {}
    }
}

fn edit(value: &mut Value, change: &Change) {
    match change {
        Change::Null | Change::Remove => *value = Value::Null,
        Change::Bool(b) => *value = Value::Bool(*b),
        Change::Int(i) => *value = Value::from(*i),
        Change::Float(f) => *value = Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Change::Text(s) => *value = Value::String(s.clone()),
        Change::KnownText(i) => {
            *value = Value::String(TEXTS[usize::from(*i) % TEXTS.len()].to_owned())
        }
        Change::EmptyObject => *value = Value::Object(Map::new()),
        Change::EmptyArray => *value = Value::Array(Vec::new()),
        Change::WrapInArray => *value = Value::Array(vec![value.take()]),
        Change::SetKey { key, text } => {
            if let Value::Object(m) = value {
                let key = KEYS[usize::from(*key) % KEYS.len()];
                m.insert(
                    key.to_owned(),
                    Value::String(TEXTS[usize::from(*text) % TEXTS.len()].to_owned()),
                );
            }
        }
        Change::DuplicateLast => {
            if let Value::Array(a) = value {
                if let Some(last) = a.last().cloned() {
                    a.push(last);
                }
            }
        }
        Change::UpperCaseKeys => {
            if let Value::Object(m) = value {
                *m = std::mem::take(m)
                    .into_iter()
                    .map(|(k, v)| (k.to_ascii_uppercase(), v))
                    .collect();
            }
        }
    }
}
