//! `NextToken`: the request parameters it was issued for, where the page ended, and its
//! serial number, hex-encoded so that a client has no reason to read it.

use super::store::Cursor;
use serde_json::{Value, json};

pub(super) struct Token {
    pub params: Value,
    pub cursor: Cursor,
    pub generation: u64,
    pub serial: u64,
}

impl Token {
    pub(super) fn encode(&self) -> String {
        let body = json!({
            "p": self.params,
            "t": self.cursor.at,
            "i": self.cursor.id,
            "g": self.generation,
            "n": self.serial,
        })
        .to_string();
        body.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// `None` for anything this server did not issue the shape of.
    pub(super) fn decode(raw: &str) -> Option<Self> {
        if !raw.len().is_multiple_of(2) || !raw.is_ascii() {
            return None;
        }
        let bytes: Vec<u8> = (0..raw.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&raw[i..i + 2], 16).ok())
            .collect::<Option<_>>()?;
        let body: Value = serde_json::from_slice(&bytes).ok()?;
        Some(Self {
            params: body.get("p")?.clone(),
            cursor: Cursor {
                at: body.get("t")?.as_i64()?,
                id: body.get("i")?.as_str()?.to_owned(),
            },
            generation: body.get("g")?.as_u64()?,
            serial: body.get("n")?.as_u64()?,
        })
    }
}
