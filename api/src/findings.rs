//! `/api/findings` (issue 20): findings, newest first, keyset-paginated on `id` (descending),
//! which `idx_findings_status` (`status, id`) and `idx_findings_zone` (`zone_id, id`) serve
//! for the status and zone filters; the other filters are checked on those rows (the table
//! holds one row per finding episode, far fewer than record sets).
//!
//! Also what the other routes show of findings: a record's open findings
//! ([`open_findings_of`], one query per page of records) and the counts of `/api/stats`
//! ([`finding_counts`]).

use axum::Json;
use axum::extract::State;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};
use zonetrail_findings::{Kind, Severity, Status};
use zonetrail_model::entity::{accounts, finding_suppressions, findings, hosted_zones};
use zonetrail_model::{AccountId, Timestamp, ZoneId};

use crate::cursor::Scope;
use crate::error::ErrorBody;
use crate::extract::{ApiQuery, parse_id};
use crate::page::{
    account_schema, limit_schema, parse_account, parse_limit, parse_zone, zone_schema,
};
use crate::{ApiError, ApiResult, AppState, timestamp};

const FI: &str = "fi";
const HZ: &str = "hz";
const AC: &str = "ac";
const SU: &str = "su";

/// The record a finding is about, by its key (as it was when the finding was raised; a
/// record's key never changes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingRecord {
    /// The record set's id (`/api/records/{id}`).
    #[schema(example = 42)]
    pub id: i64,
    #[schema(example = "Z0123456789ABC")]
    pub zone_id: String,
    /// `null` only if the zone has not been observed.
    #[schema(example = "example.com.")]
    pub zone_name: Option<String>,
    #[schema(example = "www.example.com.")]
    pub name: String,
    #[serde(rename = "type")]
    #[schema(example = "A")]
    pub record_type: String,
    pub set_identifier: Option<String>,
}

/// The suppression that keeps a finding `suppressed`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingSuppression {
    #[schema(example = "parked on purpose; the IP is a partner's")]
    pub reason: String,
    #[schema(example = "alice@example.com")]
    pub created_by: String,
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// One finding: a record that points at something no account in scope owns, or a DNS
/// hygiene problem, from when it was first seen until it resolved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingItem {
    #[schema(example = 7)]
    pub id: i64,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// `high` for the takeover kinds, `medium` otherwise.
    #[schema(schema_with = severity_schema)]
    pub severity: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// The evidence in plain words, one sentence.
    #[schema(
        example = "points at 203.0.113.7, an AWS address (3.5.140.0/22, us-east-1) that none of your 12 accounts holds"
    )]
    pub summary: String,
    /// What the finding is about within the record: the IP, the bucket, the target name...
    #[schema(example = "203.0.113.7")]
    pub subject: String,
    /// Kind-specific evidence (docs/design.md, "Findings"), as the evaluation kept it.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub record: FindingRecord,
    /// The AWS account that owns the record's zone; `null` when not known.
    #[schema(example = "123456789012")]
    pub account_id: Option<String>,
    /// The account's name in AWS Organizations; `null` when not known.
    #[schema(example = "production")]
    pub account_name: Option<String>,
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub first_seen_at: Timestamp,
    /// The last evaluation that found it still there.
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Timestamp,
    /// When it resolved; `null` while open or suppressed.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Timestamp>,
    /// Why it resolved (`record deleted`, `record changed`, `resource exists`, ...); `null`
    /// while open or suppressed.
    #[schema(example = "resource exists")]
    pub resolved_reason: Option<String>,
    /// For a `suppressed` finding, the suppression (who and why); `null` otherwise.
    pub suppression: Option<FindingSuppression>,
}

/// A page of findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingList {
    pub items: Vec<FindingItem>,
    /// Pass as `cursor` to get older findings; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// An open finding of a record, as the record's JSON carries it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RecordFinding {
    /// The finding's id (`/api/findings?record=` lists it with its evidence).
    #[schema(example = 7)]
    pub id: i64,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    #[schema(schema_with = severity_schema)]
    pub severity: String,
    /// The evidence in plain words, one sentence.
    #[schema(
        example = "points at 203.0.113.7, an AWS address that none of your 12 accounts holds"
    )]
    pub summary: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingParams {
    /// Only findings of this kind.
    #[param(schema_with = kind_param_schema)]
    pub kind: Option<String>,
    /// Only findings with this status; empty: every status.
    #[param(schema_with = status_param_schema)]
    pub status: Option<String>,
    /// Only findings of this severity.
    #[param(schema_with = severity_param_schema)]
    pub severity: Option<String>,
    /// Only findings of records in this hosted zone.
    #[param(schema_with = zone_schema, example = "Z0123456789ABC")]
    pub zone: Option<String>,
    /// Only findings of records in this AWS account's zones (twelve digits).
    #[param(schema_with = account_schema, example = "123456789012")]
    pub account: Option<String>,
    /// Only findings of this record set (its id).
    #[param(schema_with = record_param_schema, example = 42)]
    pub record: Option<String>,
    /// `next_cursor` of the previous page of the same query; any other value is a 400.
    pub cursor: Option<String>,
    /// Page size, from 1 (default 100); more than 1000 is capped to 1000.
    #[param(schema_with = limit_schema)]
    pub limit: Option<String>,
}

fn kinds() -> Vec<&'static str> {
    Kind::ALL.iter().map(|k| k.as_str()).collect()
}

const SEVERITIES: [&str; 2] = ["high", "medium"];
const STATUSES: [&str; 3] = ["open", "suppressed", "resolved"];

fn string_enum(
    values: Vec<&'static str>,
    description: &str,
) -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> + use<> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values))
        .description(Some(description.to_string()))
}

fn kind_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    string_enum(kinds(), "The kind of finding.")
}

fn severity_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    string_enum(SEVERITIES.to_vec(), "`high` for the takeover kinds, `medium` otherwise.")
}

fn status_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    string_enum(
        STATUSES.to_vec(),
        "`open`; `suppressed` (open, but a suppression matches its kind and record); `resolved` (with `resolved_at` and `resolved_reason`).",
    )
}

fn with_empty(values: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec![""];
    v.extend(values);
    v
}

fn kind_param_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    string_enum(with_empty(&kinds()), "Only findings of this kind; empty: any kind.")
}

fn status_param_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    string_enum(with_empty(&STATUSES), "Only findings with this status; empty: every status.")
}

fn severity_param_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    string_enum(with_empty(&SEVERITIES), "Only findings of this severity; empty: any.")
}

fn record_param_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .pattern(Some(r"^([1-9][0-9]*)?$"))
        .description(Some("Only the findings of this record set (its id); empty: any record."))
}

/// Where the next (older) page starts.
#[derive(Debug, Serialize, Deserialize)]
struct Position {
    id: i64,
}

/// The filters of `/api/findings`, checked.
#[derive(Debug, Default)]
struct Filter {
    kind: Option<Kind>,
    status: Option<Status>,
    severity: Option<Severity>,
    zone: Option<ZoneId>,
    account: Option<AccountId>,
    /// The record set's id; `Some(None)` for digits beyond any id a record set can have
    /// (the contract accepts any positive whole number, and such a filter matches nothing).
    record: Option<Option<i64>>,
}

fn non_empty(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

impl Filter {
    fn parse(p: &FindingParams) -> ApiResult<Self> {
        let one_of = |name: &str, raw: &str, values: &[&str]| {
            ApiError::bad_request(format!(
                "{name} must be one of {}, got {raw:?}",
                values.join(", ")
            ))
        };
        let kind = match non_empty(p.kind.as_deref()) {
            None => None,
            Some(raw) => Some(Kind::parse(raw).ok_or_else(|| one_of("kind", raw, &kinds()))?),
        };
        let status = match non_empty(p.status.as_deref()) {
            None => None,
            Some(raw) => Some(Status::parse(raw).ok_or_else(|| one_of("status", raw, &STATUSES))?),
        };
        let severity = match non_empty(p.severity.as_deref()) {
            None => None,
            Some(raw) => {
                Some(Severity::parse(raw).ok_or_else(|| one_of("severity", raw, &SEVERITIES))?)
            }
        };
        let record = match non_empty(p.record.as_deref()) {
            None => None,
            Some(raw) => match parse_id(raw, "record") {
                Ok(id) => Some(Some(id)),
                // Digits the contract accepts that no id can reach: no record set has it.
                Err(_) if !raw.starts_with('0') && raw.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(None)
                }
                Err(e) => return Err(e),
            },
        };
        Ok(Self {
            kind,
            status,
            severity,
            zone: parse_zone(p.zone.as_deref())?,
            account: parse_account(p.account.as_deref())?,
            record,
        })
    }

    fn scope(&self) -> Scope {
        let record = self.record.map(|r| r.map_or_else(|| "beyond".to_owned(), |r| r.to_string()));
        Scope::new(&[
            ("list", Some("findings")),
            ("kind", self.kind.map(Kind::as_str)),
            ("status", self.status.map(Status::as_str)),
            ("severity", self.severity.map(Severity::as_str)),
            ("zone", self.zone.as_ref().map(ZoneId::as_str)),
            ("account", self.account.as_ref().map(AccountId::as_str)),
            ("record", record.as_deref()),
        ])
    }
}

#[derive(Debug, FromQueryResult)]
struct FindingRow {
    id: i64,
    kind: String,
    severity: String,
    status: String,
    record_id: i64,
    zone_id: String,
    name: String,
    record_type: String,
    set_identifier: String,
    account_id: Option<String>,
    subject: String,
    evidence: String,
    first_seen_at: Timestamp,
    last_seen_at: Timestamp,
    resolved_at: Option<Timestamp>,
    resolved_reason: Option<String>,
    zone_name: Option<String>,
    zone_account_id: Option<String>,
    account_name: Option<String>,
    suppression_reason: Option<String>,
    suppression_created_by: Option<String>,
    suppression_created_at: Option<Timestamp>,
}

/// A finding's evidence as stored; one that does not read (hand-edited) shows as `{}` and the
/// log says which row.
fn parse_evidence(json: &str, id: i64) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(finding_id = id, error = %e, "stored finding evidence does not parse");
            serde_json::Value::Object(Default::default())
        }
    }
}

/// The plain-words sentence of a finding; a kind this version does not know (written by a
/// newer one) reads as its kind and subject.
pub fn summary(kind: &str, subject: &str, evidence: &serde_json::Value) -> String {
    match Kind::parse(kind) {
        Some(k) => zonetrail_findings::describe::describe(k, subject, evidence),
        None => format!("{kind}: {subject}"),
    }
}

impl FindingRow {
    fn into_item(self) -> FindingItem {
        let evidence = parse_evidence(&self.evidence, self.id);
        let suppression = match (
            self.status.as_str(),
            self.suppression_reason,
            self.suppression_created_by,
            self.suppression_created_at,
        ) {
            ("suppressed", Some(reason), Some(created_by), Some(created_at)) => {
                Some(FindingSuppression { reason, created_by, created_at })
            }
            _ => None,
        };
        FindingItem {
            id: self.id,
            summary: summary(&self.kind, &self.subject, &evidence),
            kind: self.kind,
            severity: self.severity,
            status: self.status,
            subject: self.subject,
            evidence,
            record: FindingRecord {
                id: self.record_id,
                zone_id: self.zone_id,
                zone_name: self.zone_name,
                name: self.name,
                record_type: self.record_type,
                set_identifier: Some(self.set_identifier).filter(|s| !s.is_empty()),
            },
            account_id: self.account_id.or(self.zone_account_id),
            account_name: self.account_name,
            first_seen_at: self.first_seen_at,
            last_seen_at: self.last_seen_at,
            resolved_at: self.resolved_at,
            resolved_reason: self.resolved_reason,
            suppression,
        }
    }
}

/// Findings with their zone, account and suppression.
fn finding_select() -> SelectStatement {
    let mut s = Query::select();
    s.columns([
        (FI, findings::Column::Id),
        (FI, findings::Column::Kind),
        (FI, findings::Column::Severity),
        (FI, findings::Column::Status),
        (FI, findings::Column::RecordId),
        (FI, findings::Column::ZoneId),
        (FI, findings::Column::Name),
        (FI, findings::Column::RecordType),
        (FI, findings::Column::SetIdentifier),
        (FI, findings::Column::AccountId),
        (FI, findings::Column::Subject),
        (FI, findings::Column::Evidence),
        (FI, findings::Column::FirstSeenAt),
        (FI, findings::Column::LastSeenAt),
        (FI, findings::Column::ResolvedAt),
        (FI, findings::Column::ResolvedReason),
    ])
    .expr_as(Expr::col((HZ, hosted_zones::Column::Name)), "zone_name")
    .expr_as(Expr::col((HZ, hosted_zones::Column::AccountId)), "zone_account_id")
    .expr_as(Expr::col((AC, accounts::Column::Name)), "account_name")
    .expr_as(Expr::col((SU, finding_suppressions::Column::Reason)), "suppression_reason")
    .expr_as(Expr::col((SU, finding_suppressions::Column::CreatedBy)), "suppression_created_by")
    .expr_as(Expr::col((SU, finding_suppressions::Column::CreatedAt)), "suppression_created_at")
    .from_as(findings::Entity, FI)
    .join_as(
        JoinType::LeftJoin,
        hosted_zones::Entity,
        HZ,
        Expr::col((HZ, hosted_zones::Column::Id)).equals((FI, findings::Column::ZoneId)),
    )
    .join_as(
        JoinType::LeftJoin,
        accounts::Entity,
        AC,
        Expr::col((AC, accounts::Column::AccountId)).eq(Expr::col((
            FI,
            findings::Column::AccountId,
        ))
        .if_null(Expr::col((HZ, hosted_zones::Column::AccountId)))),
    )
    // The suppression of this kind and record key (a unique index holds at most one).
    .join_as(
        JoinType::LeftJoin,
        finding_suppressions::Entity,
        SU,
        Expr::col((SU, finding_suppressions::Column::Kind))
            .equals((FI, findings::Column::Kind))
            .and(
                Expr::col((SU, finding_suppressions::Column::ZoneId))
                    .equals((FI, findings::Column::ZoneId)),
            )
            .and(
                Expr::col((SU, finding_suppressions::Column::Name))
                    .equals((FI, findings::Column::Name)),
            )
            .and(
                Expr::col((SU, finding_suppressions::Column::RecordType))
                    .equals((FI, findings::Column::RecordType)),
            )
            .and(
                Expr::col((SU, finding_suppressions::Column::SetIdentifier))
                    .equals((FI, findings::Column::SetIdentifier)),
            ),
    );
    s
}

async fn read_items(db: &impl ConnectionTrait, s: &SelectStatement) -> ApiResult<Vec<FindingRow>> {
    Ok(db
        .query_all(s)
        .await?
        .iter()
        .map(|r| FindingRow::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The findings `ids` exactly as `/api/findings` returns them, in id order; an id with no row
/// is left out. What a `Finding Opened` / `Finding Resolved` notification carries.
pub async fn finding_items(db: &impl ConnectionTrait, ids: &[i64]) -> ApiResult<Vec<FindingItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut s = finding_select();
    s.and_where(Expr::col((FI, findings::Column::Id)).is_in(ids.iter().copied()))
        .order_by((FI, findings::Column::Id), Order::Asc);
    Ok(read_items(db, &s).await?.into_iter().map(FindingRow::into_item).collect())
}

/// Findings, newest first, filtered, one page at a time.
#[utoipa::path(
    get,
    path = "/api/findings",
    tag = "findings",
    params(FindingParams),
    responses(
        (status = 200, description = "Findings, newest first", body = FindingList),
        (status = 400, description = "A bad filter, limit or cursor", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn list_findings(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<FindingParams>,
) -> ApiResult<Json<FindingList>> {
    let filter = Filter::parse(&params)?;
    let limit = parse_limit(params.limit.as_deref())?;
    let scope = filter.scope();
    let after: Option<Position> =
        params.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| scope.decode(c)).transpose()?;

    let mut s = finding_select();
    if let Some(kind) = filter.kind {
        s.and_where(Expr::col((FI, findings::Column::Kind)).eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        s.and_where(Expr::col((FI, findings::Column::Status)).eq(status.as_str()));
    }
    if let Some(severity) = filter.severity {
        s.and_where(Expr::col((FI, findings::Column::Severity)).eq(severity.as_str()));
    }
    if let Some(zone) = &filter.zone {
        s.and_where(Expr::col((FI, findings::Column::ZoneId)).eq(zone.as_str()));
    }
    if let Some(account) = &filter.account {
        // The account's zones, deleted ones too (their findings stay listed).
        let zones = crate::accounts::zones_of(&state.db, account, false).await?;
        if zones.is_empty() {
            return Ok(Json(FindingList { items: Vec::new(), next_cursor: None }));
        }
        s.and_where(Expr::col((FI, findings::Column::ZoneId)).is_in(zones));
    }
    if filter.record == Some(None) {
        return Ok(Json(FindingList { items: Vec::new(), next_cursor: None }));
    }
    if let Some(Some(record)) = filter.record {
        s.and_where(Expr::col((FI, findings::Column::RecordId)).eq(record));
    }
    if let Some(pos) = &after {
        s.and_where(Expr::col((FI, findings::Column::Id)).lt(pos.id));
    }
    s.order_by((FI, findings::Column::Id), Order::Desc).limit(limit + 1);
    let mut rows = read_items(&state.db, &s).await?;
    let full = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor =
        if full { rows.last().map(|r| scope.encode(&Position { id: r.id })) } else { None };
    Ok(Json(FindingList {
        items: rows.into_iter().map(FindingRow::into_item).collect(),
        next_cursor,
    }))
}

/// The open (not suppressed) findings of these records, in one query, by record id, each
/// record's in id order.
pub async fn open_findings_of(
    db: &impl ConnectionTrait,
    record_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<RecordFinding>>> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        record_id: i64,
        kind: String,
        severity: String,
        subject: String,
        evidence: String,
    }
    let mut out: HashMap<i64, Vec<RecordFinding>> = HashMap::new();
    if record_ids.is_empty() {
        return Ok(out);
    }
    let mut s = Query::select();
    s.columns([
        findings::Column::Id,
        findings::Column::RecordId,
        findings::Column::Kind,
        findings::Column::Severity,
        findings::Column::Subject,
        findings::Column::Evidence,
    ])
    .from(findings::Entity)
    .and_where(Expr::col(findings::Column::RecordId).is_in(record_ids.iter().copied()))
    .and_where(Expr::col(findings::Column::Status).eq(Status::Open.as_str()))
    .order_by(findings::Column::Id, Order::Asc);
    for r in db.query_all(&s).await? {
        let row = Row::from_query_result(&r, "")?;
        let evidence = parse_evidence(&row.evidence, row.id);
        out.entry(row.record_id).or_default().push(RecordFinding {
            id: row.id,
            summary: summary(&row.kind, &row.subject, &evidence),
            kind: row.kind,
            severity: row.severity,
        });
    }
    Ok(out)
}

/// Findings counts for `/api/stats`.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FindingCounts {
    /// Open findings (not suppressed).
    pub open: i64,
    /// Suppressed findings (open, but suppressed).
    pub suppressed: i64,
    /// Open findings by kind; a kind with none is left out.
    #[schema(example = json!({"dangling_ip": 2, "alias_target_missing": 1}))]
    pub by_kind: BTreeMap<String, i64>,
    /// Open findings by severity.
    pub by_severity: SeverityCounts,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SeverityCounts {
    pub high: i64,
    pub medium: i64,
}

/// Open and suppressed findings, counted in one `GROUP BY` (over `idx_findings_status`);
/// `zones`: only these zones' (the account's), `Some(&[])` counts nothing.
pub async fn finding_counts(
    db: &impl ConnectionTrait,
    zones: Option<&[String]>,
) -> ApiResult<FindingCounts> {
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        kind: String,
        severity: String,
        n: i64,
    }
    let mut counts = FindingCounts::default();
    if zones.is_some_and(<[String]>::is_empty) {
        return Ok(counts);
    }
    let mut s = Query::select();
    s.columns([findings::Column::Status, findings::Column::Kind, findings::Column::Severity])
        .expr_as(Expr::col(findings::Column::Id).count(), Alias::new("n"))
        .from(findings::Entity)
        .and_where(
            Expr::col(findings::Column::Status)
                .is_in([Status::Open.as_str(), Status::Suppressed.as_str()]),
        )
        .group_by_columns([
            findings::Column::Status,
            findings::Column::Kind,
            findings::Column::Severity,
        ]);
    if let Some(zones) = zones {
        s.and_where(Expr::col(findings::Column::ZoneId).is_in(zones.iter().cloned()));
    }
    for r in db.query_all(&s).await? {
        let row = Row::from_query_result(&r, "")?;
        if row.status == Status::Suppressed.as_str() {
            counts.suppressed += row.n;
            continue;
        }
        counts.open += row.n;
        *counts.by_kind.entry(row.kind).or_default() += row.n;
        match Severity::parse(&row.severity) {
            Some(Severity::High) => counts.by_severity.high += row.n,
            Some(Severity::Medium) => counts.by_severity.medium += row.n,
            None => {}
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(f: impl FnOnce(&mut FindingParams)) -> FindingParams {
        let mut p = FindingParams::default();
        f(&mut p);
        p
    }

    #[test]
    fn bad_filters_name_their_parameter() {
        let cases: [(&str, FindingParams); 6] = [
            ("kind", params(|p| p.kind = Some("dangling".into()))),
            ("status", params(|p| p.status = Some("closed".into()))),
            ("severity", params(|p| p.severity = Some("low".into()))),
            ("zone", params(|p| p.zone = Some("Z1; --".into()))),
            ("account", params(|p| p.account = Some("12345".into()))),
            ("record", params(|p| p.record = Some("-3".into()))),
        ];
        for (name, p) in cases {
            let e = Filter::parse(&p).unwrap_err().to_string();
            assert!(e.starts_with(name), "{name}: {e}");
        }
        let ok = Filter::parse(&params(|p| {
            p.kind = Some("dangling_ip".into());
            p.status = Some(" ".into());
            p.record = Some("42".into());
        }))
        .unwrap();
        assert_eq!((ok.kind, ok.status, ok.record), (Some(Kind::DanglingIp), None, Some(Some(42))));
        // A positive whole number past any id is valid and matches nothing; with a leading
        // zero it is not a whole number as the contract writes one.
        let beyond = |raw: &str| Filter::parse(&params(|p| p.record = Some(raw.into())));
        assert_eq!(beyond("726379244195328080992").unwrap().record, Some(None));
        assert!(beyond("0726379244195328080992").is_err());
        assert!(beyond("72637924419532808099x").is_err());
    }

    #[test]
    fn cursors_are_bound_to_filters() {
        let a = Filter { kind: Some(Kind::DanglingIp), ..Filter::default() };
        let b = Filter { status: Some(Status::Open), ..Filter::default() };
        let cursor = a.scope().encode(&Position { id: 9 });
        assert_eq!(a.scope().decode::<Position>(&cursor).unwrap().id, 9);
        assert!(b.scope().decode::<Position>(&cursor).is_err());
    }

    #[test]
    fn unknown_kinds_and_bad_evidence_still_read() {
        assert_eq!(summary("newer_kind", "x", &serde_json::json!({})), "newer_kind: x");
        assert_eq!(parse_evidence("not json", 1), serde_json::json!({}));
    }
}
