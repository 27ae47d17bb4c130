//! The record filters of `/api/records` and `/api/records.csv`, parsed at the edge: after
//! [`RecordFilter::parse`] every value is in the form the database stores, so the queries
//! compare like with like and never see raw input.

use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};
use zonetrail_model::{AccountId, RecordName, RecordType, ZoneId, lookup_key};

use crate::ApiError;
use crate::annotations::read::OwnerFilter;
use crate::cursor::Scope;
use crate::page::{
    account_schema, limit_schema, parse_account, parse_flag, parse_zone, zone_schema,
};

/// The longest `name` and `q` accepted (a stored name is at most 1024 characters).
const MAX_Q: usize = 1024;
/// The longest `value` accepted (lookup keys are at most 255 bytes).
const MAX_VALUE: usize = 255;

/// Query parameters as they arrive; [`RecordFilter::parse`] validates them. An empty
/// parameter is the same as an absent one.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordParams {
    /// Hosted zone id, with or without `/hostedzone/`.
    #[param(schema_with = zone_schema, example = "Z0123456789ABC")]
    pub zone: Option<String>,
    /// Only the record sets of this AWS account's zones (twelve digits).
    #[param(schema_with = account_schema, example = "123456789012")]
    pub account: Option<String>,
    /// Record type, as Route 53 spells it; a type Route 53 does not have is a 400.
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = record_type_schema)]
    pub record_type: Option<String>,
    /// Name filter. `www.example.com` matches that name exactly; `api-*` matches names that
    /// start with `api-`; `*.prod.example.com` matches every name below `prod.example.com`
    /// (the wildcard record `*.prod.example.com.` included, the name itself not). A name that
    /// is not a valid DNS name matches nothing.
    #[param(example = "*.prod.example.com", max_length = 1024)]
    pub name: Option<String>,
    /// Substring of the name, case-insensitive. A search scans at most a bounded number of
    /// names per request: a page may then hold fewer than `limit` items and still have a
    /// `next_cursor`; follow it to continue the search.
    #[param(example = "api", max_length = 1024)]
    pub q: Option<String>,
    /// What points at this IP address or host name: records whose values (MX and SRV:
    /// their target host) or alias target equal it, case-insensitive, trailing dot optional.
    #[param(example = "192.0.2.10", max_length = 255)]
    pub value: Option<String>,
    /// Include deleted record sets (tombstones, with `deleted_at` set).
    #[param(value_type = Option<bool>)]
    pub include_deleted: Option<String>,
    /// `next_cursor` of the previous page of the same query; any other value is a 400.
    pub cursor: Option<String>,
    /// Page size, from 1 (default 100); more than 1000 is capped to 1000.
    #[param(schema_with = limit_schema)]
    pub limit: Option<String>,
    /// The inventory as it was at this time (RFC 3339): each record set with its content then
    /// (`observed_at`: the time of the change that set it); with `include_deleted`, also those
    /// deleted then (`deleted_at`: the delete's time). In the future, or before the history
    /// window (`history_complete_since` of `/api/stats`), a 400 that names the window's start.
    #[param(schema_with = crate::timetravel::routes::as_of_schema)]
    pub as_of: Option<String>,
    /// Only record sets whose owner is this, case-insensitive: the owner of the record's own
    /// annotation, else of its zone's.
    #[param(example = "alice@example.com", max_length = 200)]
    pub owner: Option<String>,
    /// Only record sets whose team is this, case-insensitive (own annotation, else the
    /// zone's).
    #[param(example = "payments", max_length = 200)]
    pub team: Option<String>,
    /// Only record sets nobody owns: no owner or team in their own annotation or (without
    /// one) their zone's, and no external-dns registry record.
    #[param(value_type = Option<bool>)]
    pub unowned: Option<String>,
}

pub(crate) fn record_type_schema() -> impl Into<RefOr<Schema>> {
    let mut names = vec![""];
    names.extend(RecordType::KNOWN_NAMES);
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .description(Some(
            "Record type, as Route 53 spells it; a type Route 53 does not have is a 400. Empty: any type.",
        ))
}

/// How a `name` filter matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameFilter {
    /// The stored form of one name.
    Exact(String),
    /// Names starting with this text (stored form).
    Prefix(String),
    /// Names strictly below a name: the reversed form of that name, e.g. `com.example.prod.`;
    /// served by the reversed-name index.
    Below(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// The filters can match no record (e.g. `name` is not a DNS name): answer an empty page.
    pub matches_nothing: bool,
    pub zone: Option<ZoneId>,
    pub account: Option<AccountId>,
    /// The account's zones, once looked up (`query::list_records` does): several zones, read
    /// with `zone_id IN (...)`. (An account with one zone becomes a `zone` filter.)
    pub zones: Option<Vec<String>>,
    pub record_type: Option<RecordType>,
    pub name: Option<NameFilter>,
    /// Lower-case, in the stored names' spelling.
    pub q: Option<String>,
    /// In `lookup_key` form.
    pub value: Option<String>,
    pub include_deleted: bool,
    /// `owner`, `team`, `unowned`.
    pub owners: OwnerFilter,
}

impl RecordFilter {
    pub fn parse(p: &RecordParams) -> Result<Self, ApiError> {
        let mut f = Self {
            zone: parse_zone(p.zone.as_deref())?,
            account: parse_account(p.account.as_deref())?,
            include_deleted: parse_flag("include_deleted", p.include_deleted.as_deref())?,
            ..Self::default()
        };
        f.record_type = match p.record_type.as_deref() {
            None | Some("") => None,
            Some(t) => Some(known_type(t)?),
        };
        // Lengths are checked on the parameter as sent, before trimming: the OpenAPI
        // document's maxLength is about what the client sends.
        check_length("name", p.name.as_deref(), MAX_Q)?;
        check_length("q", p.q.as_deref(), MAX_Q)?;
        check_length("value", p.value.as_deref(), MAX_VALUE)?;
        if let Some(raw) = non_empty(&p.name) {
            match parse_name(raw) {
                Some(name) => f.name = name,
                None => f.matches_nothing = true,
            }
        }
        if let Some(q) = non_empty(&p.q) {
            f.q = Some(stored_spelling(q));
        }
        check_length("owner", p.owner.as_deref(), crate::annotations::OWNER_MAX)?;
        check_length("team", p.team.as_deref(), crate::annotations::TEAM_MAX)?;
        f.owners = OwnerFilter {
            owner: non_empty(&p.owner).map(str::to_lowercase),
            team: non_empty(&p.team).map(str::to_lowercase),
            unowned: parse_flag("unowned", p.unowned.as_deref())?,
        };
        if let Some(v) = non_empty(&p.value) {
            match lookup_key(v) {
                Some(key) => f.value = Some(key),
                // Only quotes or dots: no record points at that.
                None => f.matches_nothing = true,
            }
        }
        Ok(f)
    }

    /// What a cursor of this query is bound to.
    pub fn scope(&self) -> Scope {
        self.scope_with(&[])
    }

    /// [`Self::scope`] with more parts appended (`as_of`, a diff's times): a cursor is bound
    /// to them too.
    pub fn scope_with(&self, extra: &[(&str, Option<&str>)]) -> Scope {
        let (name_mode, name) = match &self.name {
            None => (None, None),
            Some(NameFilter::Exact(n)) => (Some("exact"), Some(n.as_str())),
            Some(NameFilter::Prefix(n)) => (Some("prefix"), Some(n.as_str())),
            Some(NameFilter::Below(n)) => (Some("below"), Some(n.as_str())),
        };
        let parts: &[(&str, Option<&str>)] = &[
            ("list", Some("records")),
            ("zone", self.zone.as_ref().map(ZoneId::as_str)),
            ("account", self.account.as_ref().map(AccountId::as_str)),
            ("type", self.record_type.as_ref().map(RecordType::as_str)),
            ("name_mode", name_mode),
            ("name", name),
            ("q", self.q.as_deref()),
            ("value", self.value.as_deref()),
            ("include_deleted", Some(if self.include_deleted { "1" } else { "0" })),
            ("owner", self.owners.owner.as_deref()),
            ("team", self.owners.team.as_deref()),
            ("unowned", self.owners.unowned.then_some("1")),
        ];
        Scope::new(&[parts, extra].concat())
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `Some(None)`: no filter (`*`); `None`: not a name, so nothing matches.
fn parse_name(raw: &str) -> Option<Option<NameFilter>> {
    if let Some(parent) = raw.strip_prefix("*.") {
        return RecordName::parse(parent)
            .ok()
            .map(|parent| Some(NameFilter::Below(parent.reversed())));
    }
    if let Some(prefix) = raw.strip_suffix('*') {
        return Some((!prefix.is_empty()).then(|| NameFilter::Prefix(stored_spelling(prefix))));
    }
    RecordName::parse(raw).ok().map(|name| Some(NameFilter::Exact(name.to_string())))
}

/// A type filter: exactly as Route 53 spells one of its types.
fn known_type(raw: &str) -> Result<RecordType, ApiError> {
    match RecordType::KNOWN_NAMES.iter().position(|k| *k == raw) {
        Some(i) => Ok(RecordType::KNOWN[i].clone()),
        None => Err(ApiError::bad_request(format!(
            "type: {raw:?} is not a Route 53 record type (one of {})",
            RecordType::KNOWN_NAMES.join(", ")
        ))),
    }
}

fn check_length(name: &str, raw: Option<&str>, max: usize) -> Result<(), ApiError> {
    // Characters, as JSON Schema's maxLength counts them.
    if raw.is_some_and(|raw| raw.chars().count() > max) {
        return Err(ApiError::bad_request(format!("{name} is longer than {max} characters")));
    }
    Ok(())
}

/// A fragment of a name as stored names spell it: printable ASCII lower-cased, other bytes as
/// `\ddd` escapes (as in [`RecordName`]'s display form). Stored names are ASCII, so a
/// fragment that is not would never match, and on MySQL could not even be compared with them.
fn stored_spelling(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if (0x21..=0x7e).contains(&b) {
            out.push(b.to_ascii_lowercase() as char);
        } else {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(f: impl FnOnce(&mut RecordParams)) -> RecordParams {
        let mut p = RecordParams::default();
        f(&mut p);
        p
    }

    fn parse(f: impl FnOnce(&mut RecordParams)) -> Result<RecordFilter, ApiError> {
        RecordFilter::parse(&params(f))
    }

    #[test]
    fn name_forms() {
        let f = |n: &str| parse(|p| p.name = Some(n.into())).unwrap();
        assert_eq!(f("WWW.Example.com").name, Some(NameFilter::Exact("www.example.com.".into())));
        assert_eq!(f("\\052.example.com").name, Some(NameFilter::Exact("*.example.com.".into())));
        assert_eq!(
            f("*.Prod.example.com.").name,
            Some(NameFilter::Below("com.example.prod.".into()))
        );
        assert_eq!(f("API-*").name, Some(NameFilter::Prefix("api-".into())));
        assert_eq!(f("*"), RecordFilter::default());
        assert_eq!(f(" ").name, None);
        // Not a DNS name: nothing has it.
        assert!(f("a..b").matches_nothing);
        assert!(f("*.a..b").matches_nothing);
        assert!(parse(|p| p.name = Some("a".repeat(1025))).is_err());
    }

    #[test]
    fn values_are_normalised() {
        let f = parse(|p| {
            p.value = Some(" D123.CloudFront.net. ".into());
            p.record_type = Some("AAAA".into());
            p.zone = Some("/hostedzone/z1".into());
            p.q = Some("Café".into());
        })
        .unwrap();
        assert_eq!(f.value.as_deref(), Some("d123.cloudfront.net"));
        assert_eq!(f.record_type, Some(RecordType::Aaaa));
        assert_eq!(f.zone.unwrap().as_str(), "Z1");
        assert_eq!(f.q.as_deref(), Some("caf\\303\\251"));
        assert!(parse(|p| p.value = Some("\"\"".into())).unwrap().matches_nothing);
        assert!(parse(|p| p.value = Some("é".repeat(200))).unwrap().matches_nothing);
    }

    #[test]
    fn empty_parameters_are_absent() {
        let f = parse(|p| {
            p.zone = Some("".into());
            p.record_type = Some("".into());
            p.q = Some("  ".into());
            p.value = Some("".into());
        })
        .unwrap();
        assert_eq!(f, RecordFilter::default());
    }

    #[test]
    fn bad_input_is_rejected() {
        for t in ["URI", "aaaa", " A", "' OR 1=1 --"] {
            assert!(parse(|p| p.record_type = Some(t.into())).is_err(), "{t:?}");
        }
        assert!(parse(|p| p.zone = Some("' OR 1=1 --".into())).is_err());
        for a in ["12345", "abc", "1234567890123"] {
            assert!(parse(|p| p.account = Some(a.into())).is_err(), "{a:?}");
        }
        assert!(parse(|p| p.include_deleted = Some("maybe".into())).is_err());
        assert!(parse(|p| p.value = Some("x".repeat(256))).is_err());
        assert!(parse(|p| p.q = Some("x".repeat(1025))).is_err());
    }

    #[test]
    fn lengths_count_what_was_sent_not_what_trimming_leaves() {
        // Whitespace is trimmed before matching, but the documented maxLength is about the
        // parameter as sent: a long run of newlines after a short word is still too long.
        let padded =
            |word: &str, len: usize| format!("{word}{}", "\n".repeat(len - word.chars().count()));
        assert!(parse(|p| p.q = Some(padded("api", 1025))).is_err());
        assert!(parse(|p| p.name = Some(padded("www.example.com", 1025))).is_err());
        assert!(parse(|p| p.value = Some(padded("192.0.2.1", 256))).is_err());
        // At the limit it is accepted, and trimmed.
        assert_eq!(parse(|p| p.q = Some(padded("API", 1024))).unwrap().q.as_deref(), Some("api"));
        assert_eq!(parse(|p| p.q = Some("ê".repeat(1024))).map(|f| f.q.is_some()).ok(), Some(true));
    }

    #[test]
    fn scopes_differ_by_filter() {
        let a = parse(|p| p.q = Some("a".into())).unwrap();
        let b = parse(|p| p.q = Some("b".into())).unwrap();
        let c = |f: &RecordFilter| f.scope().encode(&1);
        assert_ne!(c(&a), c(&b));
    }
}
