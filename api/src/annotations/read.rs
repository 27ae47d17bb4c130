//! What the read routes show of annotations: each record's annotation (its own, else its
//! zone's) and its external-dns attribution, read for a whole page in two queries; the
//! `owner`, `team` and `unowned` filters; and a key's edits for its history timeline.
//!
//! external-dns keeps a registry of the records it manages as TXT records: `heritage=
//! external-dns,external-dns/owner=<owner id>,external-dns/resource=<object>`. Older
//! registries name the TXT record like the record it guards; newer ones prefix the type in
//! lower case (`a-www.example.com`, `aaaa-...`, `cname-...`), and keep the guarded record's
//! set identifier.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Func, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};
use zonetrail_model::entity::{annotation_changes, annotations, record_sets};

use super::store::Key;
use super::{Annotation, AnnotationFields, Attribution, RecordAnnotation};
use crate::ApiResult;

/// A record as the page lookups need it.
pub struct RecordKeyRef<'a> {
    pub id: i64,
    pub zone_id: &'a str,
    pub name: &'a str,
    pub record_type: &'a str,
    /// `''` for none.
    pub set_identifier: &'a str,
}

/// The annotations and attributions of a page of records, by record id.
#[derive(Debug, Default)]
pub struct PageAnnotations {
    annotations: HashMap<i64, RecordAnnotation>,
    attributions: HashMap<i64, Attribution>,
}

impl PageAnnotations {
    pub fn annotation(&self, id: i64) -> Option<&RecordAnnotation> {
        self.annotations.get(&id)
    }

    pub fn attribution(&self, id: i64) -> Option<&Attribution> {
        self.attributions.get(&id)
    }

    pub fn take_annotation(&mut self, id: i64) -> Option<RecordAnnotation> {
        self.annotations.remove(&id)
    }

    pub fn take_attribution(&mut self, id: i64) -> Option<Attribution> {
        self.attributions.remove(&id)
    }
}

/// Read the annotations (own, else the zone's) and attributions of these records: one query
/// for the annotations of their zones and names, one for the TXT records that could guard
/// them.
pub async fn of_records(
    db: &impl ConnectionTrait,
    records: &[RecordKeyRef<'_>],
) -> ApiResult<PageAnnotations> {
    let mut out = PageAnnotations::default();
    if records.is_empty() {
        return Ok(out);
    }
    let mut zones: Vec<&str> = records.iter().map(|r| r.zone_id).collect();
    zones.sort_unstable();
    zones.dedup();
    let mut names: Vec<&str> = records.iter().map(|r| r.name).collect();
    names.push("");
    names.sort_unstable();
    names.dedup();

    let rows = annotations::Entity::find()
        .filter(annotations::Column::ZoneId.is_in(zones.iter().copied()))
        .filter(annotations::Column::Name.is_in(names.iter().copied()))
        .all(db)
        .await?;
    let mut by_key: HashMap<Key, Annotation> = HashMap::with_capacity(rows.len());
    for row in rows {
        let key = Key {
            zone_id: row.zone_id.clone(),
            name: row.name.clone(),
            record_type: row.record_type.clone(),
            set_identifier: row.set_identifier.clone(),
        };
        by_key.insert(key, Annotation::from(row));
    }
    if !by_key.is_empty() {
        for r in records {
            let own = Key {
                zone_id: r.zone_id.to_owned(),
                name: r.name.to_owned(),
                record_type: r.record_type.to_owned(),
                set_identifier: r.set_identifier.to_owned(),
            };
            let found = match by_key.get(&own) {
                Some(a) => Some(RecordAnnotation { annotation: a.clone(), inherited: false }),
                None => by_key
                    .get(&Key::zone(r.zone_id))
                    .map(|a| RecordAnnotation { annotation: a.clone(), inherited: true }),
            };
            if let Some(a) = found {
                out.annotations.insert(r.id, a);
            }
        }
    }

    // The registry records: TXT records named like a record or with its type's prefix.
    let mut candidates: Vec<String> = Vec::with_capacity(records.len() * 2);
    for r in records {
        candidates.push(r.name.to_owned());
        candidates.push(guard_name(r.record_type, r.name));
    }
    candidates.sort_unstable();
    candidates.dedup();
    #[derive(FromQueryResult)]
    struct Txt {
        zone_id: String,
        name: String,
        set_identifier: String,
        content: Option<String>,
    }
    let mut s = Query::select();
    s.columns([
        record_sets::Column::ZoneId,
        record_sets::Column::Name,
        record_sets::Column::SetIdentifier,
        record_sets::Column::Content,
    ])
    .from(record_sets::Entity)
    .and_where(Expr::col(record_sets::Column::ZoneId).is_in(zones.iter().copied()))
    .and_where(Expr::col(record_sets::Column::Name).is_in(candidates))
    .and_where(Expr::col(record_sets::Column::RecordType).eq("TXT"))
    .and_where(Expr::col(record_sets::Column::DeletedAt).is_null());
    let mut registry: HashMap<(String, String, String), Registry> = HashMap::new();
    for row in db.query_all(&s).await? {
        let txt = Txt::from_query_result(&row, "")?;
        if let Some(reg) = txt.content.as_deref().and_then(registry_of) {
            registry.insert((txt.zone_id, txt.name, txt.set_identifier), reg);
        }
    }
    if registry.is_empty() {
        return Ok(out);
    }
    for r in records {
        // The prefixed form first: it names the type it guards.
        for name in [guard_name(r.record_type, r.name), r.name.to_owned()] {
            let key = (r.zone_id.to_owned(), name, r.set_identifier.to_owned());
            if let Some(reg) = registry.get(&key) {
                out.attributions.insert(r.id, reg.attribution(&key.1));
                break;
            }
        }
    }
    Ok(out)
}

/// Every zone's own annotation, by zone id (a few thousand zones at most; one query).
pub async fn of_zones(db: &impl ConnectionTrait) -> ApiResult<HashMap<String, Annotation>> {
    let rows = annotations::Entity::find()
        .filter(annotations::Column::Name.eq(""))
        .filter(annotations::Column::RecordType.eq(""))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.zone_id.clone(), Annotation::from(r))).collect())
}

/// The name of the registry record of newer external-dns registries for a record of this
/// type and name: the type in lower case, a dash, the name.
pub fn guard_name(record_type: &str, name: &str) -> String {
    format!("{}-{name}", record_type.to_ascii_lowercase())
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Registry {
    owner: Option<String>,
    resource: Option<String>,
}

impl Registry {
    fn attribution(&self, txt_name: &str) -> Attribution {
        let mut parts = Vec::new();
        if let Some(o) = &self.owner {
            parts.push(format!("owner {o}"));
        }
        if let Some(r) = &self.resource {
            parts.push(format!("resource {r}"));
        }
        let summary = if parts.is_empty() {
            "managed by external-dns".to_owned()
        } else {
            format!("managed by external-dns ({})", parts.join(", "))
        };
        Attribution {
            source: "external-dns".to_owned(),
            owner: self.owner.clone(),
            resource: self.resource.clone(),
            txt_name: txt_name.to_owned(),
            summary,
        }
    }
}

/// The registry entry a TXT record's stored content holds, if one of its values is
/// external-dns's (`"heritage=external-dns,external-dns/owner=...,..."`).
fn registry_of(content: &str) -> Option<Registry> {
    #[derive(serde::Deserialize)]
    struct Values {
        #[serde(default)]
        values: Vec<String>,
    }
    let values = serde_json::from_str::<Values>(content).ok()?.values;
    values.iter().find_map(|v| parse_registry(v))
}

/// One TXT value, quoted as Route 53 returns it (or not), read as a registry entry.
fn parse_registry(value: &str) -> Option<Registry> {
    let v = value.trim();
    let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
    let mut heritage = false;
    let mut reg = Registry { owner: None, resource: None };
    for part in v.split(',') {
        let Some((k, val)) = part.split_once('=') else { continue };
        let val = val.trim();
        match k.trim() {
            "heritage" => heritage = val == "external-dns",
            "external-dns/owner" if !val.is_empty() => reg.owner = Some(val.to_owned()),
            "external-dns/resource" if !val.is_empty() => reg.resource = Some(val.to_owned()),
            _ => {}
        }
    }
    heritage.then_some(reg)
}

// ---------------------------------------------------------------------------------------
// Filters of /api/records

/// How the annotation filters match (`owner`, `team`: case-insensitive; `unowned`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerFilter {
    /// Lower-case.
    pub owner: Option<String>,
    /// Lower-case.
    pub team: Option<String>,
    pub unowned: bool,
}

impl OwnerFilter {
    pub fn is_set(&self) -> bool {
        self.owner.is_some() || self.team.is_some() || self.unowned
    }
}

const AN: &str = "an";
const AZ: &str = "az";
const TX: &str = "tx";

fn col(table: &str, c: annotations::Column) -> Expr {
    Expr::col((Alias::new(table), c))
}

/// `EXISTS (SELECT 1 FROM annotations <alias> WHERE <alias> is the record's own (or its
/// zone's) AND <extra>)`, correlated with the outer `record` alias.
fn annotation_exists(
    record: &str,
    alias: &str,
    zone_level: bool,
    extra: Option<Cond>,
) -> SimpleExpr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1)).from_as(annotations::Entity, Alias::new(alias));
    sub.and_where(
        col(alias, annotations::Column::ZoneId)
            .equals((Alias::new(record), record_sets::Column::ZoneId)),
    );
    if zone_level {
        sub.and_where(col(alias, annotations::Column::Name).eq(""));
    } else {
        sub.and_where(
            col(alias, annotations::Column::Name)
                .equals((Alias::new(record), record_sets::Column::Name)),
        )
        .and_where(
            col(alias, annotations::Column::RecordType)
                .equals((Alias::new(record), record_sets::Column::RecordType)),
        )
        .and_where(
            col(alias, annotations::Column::SetIdentifier)
                .equals((Alias::new(record), record_sets::Column::SetIdentifier)),
        );
    }
    if let Some(extra) = extra {
        sub.cond_where(extra);
    }
    Expr::exists(sub)
}

fn field_is(alias: &str, c: annotations::Column, lower: &str) -> Cond {
    Cond::all().add(Func::lower(col(alias, c)).eq(lower.to_owned()))
}

fn has_owner_or_team(alias: &str) -> Cond {
    Cond::any()
        .add(col(alias, annotations::Column::Owner).is_not_null())
        .add(col(alias, annotations::Column::Team).is_not_null())
}

/// A record matches a field when its own annotation has it, or when it has no annotation of
/// its own and its zone's has it.
fn effective(record: &str, matches: impl Fn(&str) -> Cond) -> Cond {
    Cond::any().add(annotation_exists(record, AN, false, Some(matches(AN)))).add(
        Cond::all().add(annotation_exists(record, AN, false, None).not()).add(annotation_exists(
            record,
            AZ,
            true,
            Some(matches(AZ)),
        )),
    )
}

/// Add the annotation filters to a select over `record_sets` aliased `record`.
pub fn apply_filter(select: &mut SelectStatement, record: &str, f: &OwnerFilter) {
    if let Some(owner) = &f.owner {
        select.cond_where(effective(record, |a| field_is(a, annotations::Column::Owner, owner)));
    }
    if let Some(team) = &f.team {
        select.cond_where(effective(record, |a| field_is(a, annotations::Column::Team, team)));
    }
    if f.unowned {
        select.cond_where(effective(record, has_owner_or_team).not());
        select.and_where(guarded(record).not());
    }
}

/// `EXISTS` a live external-dns registry TXT record guarding the record.
fn guarded(record: &str) -> SimpleExpr {
    let r = |c: record_sets::Column| Expr::col((Alias::new(record), c));
    let t = |c: record_sets::Column| Expr::col((Alias::new(TX), c));
    // CONCAT: MySQL's, and SQLite's since 3.44 (the bundled SQLite is newer).
    let prefixed = Func::cust(Alias::new("CONCAT")).args([
        Expr::from(Func::lower(r(record_sets::Column::RecordType))),
        Expr::val("-"),
        r(record_sets::Column::Name),
    ]);
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from_as(record_sets::Entity, Alias::new(TX))
        .and_where(
            t(record_sets::Column::ZoneId)
                .equals((Alias::new(record), record_sets::Column::ZoneId)),
        )
        .and_where(t(record_sets::Column::RecordType).eq("TXT"))
        .and_where(t(record_sets::Column::DeletedAt).is_null())
        .and_where(
            t(record_sets::Column::SetIdentifier)
                .equals((Alias::new(record), record_sets::Column::SetIdentifier)),
        )
        .cond_where(
            Cond::any()
                .add(
                    t(record_sets::Column::Name)
                        .equals((Alias::new(record), record_sets::Column::Name)),
                )
                .add(t(record_sets::Column::Name).eq(prefixed)),
        )
        .and_where(t(record_sets::Column::Content).like("%heritage=external-dns%"));
    Expr::exists(sub)
}

// ---------------------------------------------------------------------------------------
// Edits, for a record's history timeline

/// One kept edit.
#[derive(Debug, Clone)]
pub struct Edit {
    pub id: i64,
    pub version: i64,
    pub before: Option<AnnotationFields>,
    pub after: Option<AnnotationFields>,
    pub actor: String,
    pub changed_at: zonetrail_model::Timestamp,
}

impl From<annotation_changes::Model> for Edit {
    fn from(m: annotation_changes::Model) -> Self {
        let parse = |s: Option<String>| {
            s.and_then(|s| match serde_json::from_str::<AnnotationFields>(&s) {
                Ok(f) => Some(f),
                Err(e) => {
                    tracing::warn!(id = m.id, error = %e, "annotation_changes state does not parse");
                    None
                }
            })
        };
        Self {
            id: m.id,
            version: m.version,
            before: parse(m.before_state.clone()),
            after: parse(m.after_state.clone()),
            actor: m.actor,
            changed_at: m.changed_at,
        }
    }
}

/// The edits of `key`, newest first, older than `before` (`(changed_at, id)`), at most
/// `limit`.
pub async fn edits_of(
    db: &impl ConnectionTrait,
    key: &Key,
    before: Option<(zonetrail_model::Timestamp, i64)>,
    limit: u64,
) -> ApiResult<Vec<Edit>> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = annotation_changes::Entity::find()
        .filter(annotation_changes::Column::ZoneId.eq(key.zone_id.as_str()))
        .filter(annotation_changes::Column::Name.eq(key.name.as_str()))
        .filter(annotation_changes::Column::RecordType.eq(key.record_type.as_str()))
        .filter(annotation_changes::Column::SetIdentifier.eq(key.set_identifier.as_str()));
    if let Some((t, id)) = before {
        q = q.filter(
            Cond::any().add(annotation_changes::Column::ChangedAt.lt(t)).add(
                Cond::all()
                    .add(annotation_changes::Column::ChangedAt.eq(t))
                    .add(annotation_changes::Column::Id.lt(id)),
            ),
        );
    }
    let rows = q
        .order_by_desc(annotation_changes::Column::ChangedAt)
        .order_by_desc(annotation_changes::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Edit::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_values_read_in_every_form() {
        let want =
            Registry { owner: Some("prod".into()), resource: Some("ingress/shop/web".into()) };
        for v in [
            r#""heritage=external-dns,external-dns/owner=prod,external-dns/resource=ingress/shop/web""#,
            "heritage=external-dns,external-dns/owner=prod,external-dns/resource=ingress/shop/web",
            r#""heritage=external-dns,external-dns/owner=prod,external-dns/resource=ingress/shop/web,external-dns/ingress/target=x""#,
        ] {
            assert_eq!(parse_registry(v), Some(want.clone()), "{v}");
        }
        assert_eq!(
            parse_registry(r#""heritage=external-dns,external-dns/owner=prod""#),
            Some(Registry { owner: Some("prod".into()), resource: None })
        );
        assert_eq!(parse_registry(r#""v=spf1 include:_spf.example.com ~all""#), None);
        assert_eq!(parse_registry(r#""heritage=someone-else,external-dns/owner=prod""#), None);
        let content = r#"{"name":"a-www.example.com.","type":"TXT","values":["\"v=spf1 -all\"","\"heritage=external-dns,external-dns/owner=prod\""]}"#;
        assert_eq!(registry_of(content).unwrap().owner.as_deref(), Some("prod"));
    }

    #[test]
    fn attribution_says_who_in_words() {
        let a =
            Registry { owner: Some("prod".into()), resource: Some("service/default/web".into()) }
                .attribution("a-www.example.com.");
        assert_eq!(a.summary, "managed by external-dns (owner prod, resource service/default/web)");
        assert_eq!(guard_name("AAAA", "www.example.com."), "aaaa-www.example.com.");
        assert_eq!(guard_name("CNAME", "x.example.com."), "cname-x.example.com.");
    }
}
