//! Opaque keyset cursors.
//!
//! A cursor is the position after the last item of a page (the sort key of that item), bound
//! to the query it came from: `base64url(json) "." base64url(check)`, where `check` is a hash
//! over the JSON and the query's filters. A cursor that is garbled, edited, or replayed with
//! other filters fails the check and answers 400. The check is not a secret MAC: a cursor only
//! says where a page starts, a position the caller could ask for anyway, so a forged one grants
//! nothing; the check exists so that a wrong cursor is an error instead of a silently odd page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::ApiError;

const CHECK_BYTES: usize = 12;
/// The longest cursor accepted; real ones are a few hundred bytes (a name is at most 1024).
const MAX_CURSOR_LEN: usize = 4096;
/// Changes when the cursor format does, so that old cursors fail cleanly.
const FORMAT: &[u8] = b"zonetrail-cursor-v1";

/// What a cursor is bound to: the canonical text of the query's filters.
pub struct Scope(String);

impl Scope {
    pub fn new(parts: &[(&str, Option<&str>)]) -> Self {
        let mut text = String::new();
        for (name, value) in parts {
            text.push_str(name);
            match value {
                Some(v) => {
                    text.push('=');
                    text.push_str(&v.len().to_string());
                    text.push(':');
                    text.push_str(v);
                }
                None => text.push('-'),
            }
            text.push(';');
        }
        Self(text)
    }

    fn check(&self, json: &[u8]) -> [u8; CHECK_BYTES] {
        let mut h = Sha256::new();
        h.update(FORMAT);
        h.update((self.0.len() as u64).to_be_bytes());
        h.update(self.0.as_bytes());
        h.update(json);
        let digest = h.finalize();
        let mut out = [0u8; CHECK_BYTES];
        out.copy_from_slice(&digest[..CHECK_BYTES]);
        out
    }

    pub fn encode<P: Serialize>(&self, position: &P) -> String {
        let json = serde_json::to_vec(position).expect("a cursor position always serialises");
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&json), URL_SAFE_NO_PAD.encode(self.check(&json)))
    }

    pub fn decode<P: DeserializeOwned>(&self, cursor: &str) -> Result<P, ApiError> {
        let bad = || {
            ApiError::bad_request(
                "invalid cursor: pass next_cursor from the previous page of the same query, unchanged",
            )
        };
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(bad());
        }
        let (body, check) = cursor.split_once('.').ok_or_else(bad)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        let check = URL_SAFE_NO_PAD.decode(check).map_err(|_| bad())?;
        if check.as_slice() != self.check(&json).as_slice() {
            return Err(bad());
        }
        serde_json::from_slice(&json).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Pos {
        n: String,
        id: i64,
    }

    fn scope(zone: Option<&str>) -> Scope {
        Scope::new(&[("zone", zone), ("q", None)])
    }

    #[test]
    fn round_trips_within_its_scope() {
        let pos = Pos { n: "www.example.com.".into(), id: 42 };
        let cursor = scope(Some("Z1")).encode(&pos);
        assert_eq!(scope(Some("Z1")).decode::<Pos>(&cursor).unwrap(), pos);
    }

    #[test]
    fn rejects_other_scopes_edits_and_garbage() {
        let cursor = scope(Some("Z1")).encode(&Pos { n: "a.".into(), id: 1 });
        assert!(scope(Some("Z2")).decode::<Pos>(&cursor).is_err());
        assert!(scope(None).decode::<Pos>(&cursor).is_err());
        let (body, check) = cursor.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"n":"a.","id":999}"#);
        assert!(scope(Some("Z1")).decode::<Pos>(&format!("{forged}.{check}")).is_err());
        assert!(scope(Some("Z1")).decode::<Pos>(body).is_err());
        for garbage in ["", ".", "abc", "!!!.???", "' OR 1=1 --", &"x".repeat(5000)] {
            assert!(scope(Some("Z1")).decode::<Pos>(garbage).is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn scope_text_is_unambiguous() {
        // A value that contains the separator cannot impersonate another set of filters.
        let a = Scope::new(&[("q", Some("x;zone=1:Z")), ("zone", None)]);
        let b = Scope::new(&[("q", Some("x")), ("zone", Some("Z"))]);
        assert_ne!(a.0, b.0);
    }
}
