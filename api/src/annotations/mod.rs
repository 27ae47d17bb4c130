//! Annotations (docs/design.md, "Annotations"): who owns a record set or a hosted zone and why
//! it exists, set by editors from the dashboard, kept with every edit; and the attribution
//! read from external-dns's registry records. The routes here are the API's only writes.
//!
//! An annotation is keyed by the record key (zone, name, type, set identifier), not by the
//! row id, so it survives sweeps, value changes, and a delete followed by a re-create. A
//! record without an annotation of its own shows its zone's, marked `inherited`.

pub mod auth;
pub mod read;
pub mod routes;
pub mod store;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zonetrail_model::Timestamp;

use crate::{ApiError, timestamp};

/// The limits of each field, in characters.
pub const OWNER_MAX: usize = 200;
pub const TEAM_MAX: usize = 200;
pub const TICKET_MAX: usize = 500;
pub const NOTES_MAX: usize = 2000;

/// What an editor sets: every field is plain text, `null` when not set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AnnotationFields {
    /// Who owns it: a person, an address, a group.
    #[schema(example = "alice@example.com")]
    pub owner: Option<String>,
    /// The team that owns it.
    #[schema(example = "payments")]
    pub team: Option<String>,
    /// A ticket or a link, as free text or a URL.
    #[schema(example = "https://tickets.example.com/OPS-1234")]
    pub ticket: Option<String>,
    /// Why it exists: plain text, never rendered as HTML.
    #[schema(example = "Blue/green target for the checkout service.")]
    pub notes: Option<String>,
}

/// An annotation as stored: its fields, how many edits the key has had, and the last one's
/// editor and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Annotation {
    #[serde(flatten)]
    pub fields: AnnotationFields,
    /// The key's edits so far (it keeps counting across a clear).
    #[schema(example = 3)]
    pub version: i64,
    /// Who made the last edit: the token's `email`, else its `sub`; `local` on a local server.
    #[schema(example = "alice@example.com")]
    pub updated_by: String,
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// A record's annotation: its own, or its zone's (`inherited`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordAnnotation {
    #[serde(flatten)]
    pub annotation: Annotation,
    /// `true` when the record has no annotation of its own and this is its zone's.
    pub inherited: bool,
}

/// Who manages a record, as its DNS says: an external-dns registry TXT record that guards it.
/// A manual annotation wins over it; both are shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Attribution {
    /// What attributes it; `external-dns` is the only source so far.
    #[schema(example = "external-dns")]
    pub source: String,
    /// `external-dns/owner`: the external-dns instance (its `--txt-owner-id`).
    #[schema(example = "prod-cluster")]
    pub owner: Option<String>,
    /// `external-dns/resource`: the Kubernetes object behind the record.
    #[schema(example = "ingress/checkout/web")]
    pub resource: Option<String>,
    /// The registry TXT record's name.
    #[schema(example = "a-www.example.com.")]
    pub txt_name: String,
    /// In words, for display.
    #[schema(
        example = "managed by external-dns (owner prod-cluster, resource ingress/checkout/web)"
    )]
    pub summary: String,
}

/// Who is asking, and whether they may edit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    /// Whether annotation edits are allowed.
    pub can_edit: bool,
    /// Who edits would be recorded as (the token's `email`, else `sub`; `local` on a local
    /// server); `null` when not known.
    #[schema(example = "alice@example.com")]
    pub who: Option<String>,
    /// Why edits are not allowed; `null` when they are.
    pub reason: Option<String>,
}

impl AnnotationFields {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.owner.is_none() && self.team.is_none() && self.ticket.is_none() && self.notes.is_none()
    }

    /// Read a request body: a JSON object with at most these four members, each a string or
    /// `null`, within its limit and free of control characters (notes may hold line breaks
    /// and tabs). Blank counts as not set; none set means clear. Every error starts with
    /// the member it is about.
    pub fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!(
                "body: not JSON ({e}); send an object like {{\"owner\": \"alice\"}}"
            ))
        })?;
        let serde_json::Value::Object(members) = value else {
            return Err(ApiError::bad_request(
                "body: must be a JSON object with owner, team, ticket and notes",
            ));
        };
        let mut out = Self::default();
        for (name, value) in members {
            let (slot, max, multiline) = match name.as_str() {
                "owner" => (&mut out.owner, OWNER_MAX, false),
                "team" => (&mut out.team, TEAM_MAX, false),
                "ticket" => (&mut out.ticket, TICKET_MAX, false),
                "notes" => (&mut out.notes, NOTES_MAX, true),
                other => {
                    let shown: String = other.chars().take(64).collect();
                    return Err(ApiError::bad_request(format!(
                        "{shown}: unknown field; an annotation has owner, team, ticket and notes"
                    )));
                }
            };
            *slot = check_field(&name, value, max, multiline)?;
        }
        Ok(out)
    }
}

fn check_field(
    name: &str,
    value: serde_json::Value,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, ApiError> {
    let text = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(s) => s,
        other => {
            return Err(ApiError::bad_request(format!(
                "{name}: must be a string or null, got {}",
                json_kind(&other)
            )));
        }
    };
    let count = text.chars().count();
    if count > max {
        return Err(ApiError::bad_request(format!(
            "{name}: at most {max} characters, got {count}"
        )));
    }
    if let Some(c) = text.chars().find(|c| is_forbidden(*c, multiline)) {
        return Err(ApiError::bad_request(format!(
            "{name}: control character U+{:04X} is not allowed{}",
            c as u32,
            if multiline { " (line breaks and tabs are)" } else { "" }
        )));
    }
    let trimmed = text.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

/// Control characters (Unicode category Cc); notes keep line feeds, carriage returns and tabs.
pub fn is_forbidden(c: char, multiline: bool) -> bool {
    c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        AnnotationFields::from_body(body.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn bodies_read_trimmed_with_blank_as_unset() {
        let f = AnnotationFields::from_body(
            br#"{"owner":"  alice ","team":"","ticket":null,"notes":"line one\nline\ttwo"}"#,
        )
        .unwrap();
        assert_eq!(f.owner.as_deref(), Some("alice"));
        assert_eq!((f.team, f.ticket), (None, None));
        assert_eq!(f.notes.as_deref(), Some("line one\nline\ttwo"));
    }

    #[test]
    fn bad_bodies_name_their_field() {
        assert!(err(r#"{"owner":"a","colour":"red"}"#).starts_with("colour: unknown field"));
        assert!(
            err(&format!(r#"{{"owner":"{}"}}"#, "x".repeat(201))).starts_with("owner: at most 200")
        );
        assert!(
            err(&format!(r#"{{"notes":"{}"}}"#, "é".repeat(2001)))
                .starts_with("notes: at most 2000")
        );
        assert!(
            AnnotationFields::from_body(
                format!(r#"{{"notes":"{}"}}"#, "é".repeat(2000)).as_bytes()
            )
            .is_ok()
        );
        assert!(err(r#"{"team":"a\u0007b"}"#).starts_with("team: control character U+0007"));
        assert!(err(r#"{"owner":"a\nb"}"#).starts_with("owner: control character U+000A"));
        assert!(err(r#"{"ticket":"a\u0085"}"#).starts_with("ticket: control character U+0085"));
        assert!(err(r#"{"owner":5}"#).starts_with("owner: must be a string or null, got a number"));
        for empty in [r#"{"owner":" ","notes":null}"#, "{}"] {
            assert!(AnnotationFields::from_body(empty.as_bytes()).unwrap().is_empty());
        }
        assert!(err("[1]").starts_with("body: must be a JSON object"));
        assert!(err("{").starts_with("body: not JSON"));
    }
}
