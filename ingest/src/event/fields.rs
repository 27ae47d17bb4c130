//! Reading CloudTrail's JSON liberally: member names compared without regard to case
//! (CloudTrail lower-cases only the first letter: `tTL`, `aliasTarget.dNSName`,
//! `geoProximityLocation.aWSRegion`), `null` treated as absent, numbers accepted as strings
//! and the other way round. What is present but of the wrong shape is an error naming its path.

use serde_json::{Map, Value};

use super::DecodeError;

#[derive(Clone)]
pub(super) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// A path for error messages, e.g. `detail.requestParameters.changeBatch.changes[2]`.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Obj<'a> {
    pub(super) fn new(value: &'a Value, path: impl Into<String>) -> Option<Self> {
        value.as_object().map(|map| Self { map, path: path.into() })
    }

    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// The path of a member, for error messages.
    pub(super) fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The member named `key` in any letter case; `null` counts as absent.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map
            .get(key)
            .or_else(|| self.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
            .filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, expected: &'static str, found: &Value) -> DecodeError {
        DecodeError::BadField { path: self.at(key), expected, found: kind(found) }
    }

    pub(super) fn obj(&self, key: &str) -> Result<Option<Obj<'a>>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                Obj::new(v, self.at(key)).map(Some).ok_or_else(|| self.wrong(key, "an object", v))
            }
        }
    }

    pub(super) fn str(&self, key: &str) -> Result<Option<&'a str>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(key, "a string", v)),
        }
    }

    /// A string, or a number written as one (`latitude` may come either way).
    pub(super) fn text(&self, key: &str) -> Result<Option<String>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(v) => Err(self.wrong(key, "a string or a number", v)),
        }
    }

    pub(super) fn int(&self, key: &str) -> Result<Option<i64>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a whole number", &Value::Number(n.clone()))),
            Some(v @ Value::String(s)) => {
                s.trim().parse().map(Some).map_err(|_| self.wrong(key, "a whole number", v))
            }
            Some(v) => Err(self.wrong(key, "a whole number", v)),
        }
    }

    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v @ Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(self.wrong(key, "true or false", v)),
            },
            Some(v) => Err(self.wrong(key, "true or false", v)),
        }
    }

    pub(super) fn array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(self.wrong(key, "an array", v)),
        }
    }
}
