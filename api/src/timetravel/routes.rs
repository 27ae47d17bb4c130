//! The time-travel routes (docs/contracts.md, "Time travel"): `as_of` on `/api/records`,
//! `/api/records.csv` and `/api/zones`, `/api/diff`, `/api/zones/{id}/restore` and
//! `/api/zones/{id}/zonefile`. All read only.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Statement, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use zonetrail_model::entity::hosted_zones;
use zonetrail_model::restore::{BatchLimits, ChangeBatch, plan_restore};
use zonetrail_model::{AccountId, Timestamp, ZoneId, to_micros};

use super::snapshot::{check_as_of, parse_time, zone_snapshot};
use super::{AsOfFilter, AsOfRow, DiffItem, LAST_CHANGE, RecordKey, diff, records_page};
use crate::cursor::Scope;
use crate::error::ErrorBody;
use crate::extract::{ApiPath, ApiQuery};
use crate::page::{account_schema, limit_schema, parse_limit, zone_schema};
use crate::records::filter::{RecordFilter, RecordParams};
use crate::records::view::RecordView;
use crate::{ApiError, ApiResult, AppState, timestamp};

/// `as_of` (or another time parameter) as given: `None` when absent or empty.
pub(crate) fn non_empty(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// The account whose history window bounds a query: the zone's account for a zone-scoped
/// query (when known), else the account filter's, else `None` (every account's).
async fn window_account(
    db: &impl ConnectionTrait,
    zone: Option<&ZoneId>,
    account: Option<&AccountId>,
) -> ApiResult<Option<AccountId>> {
    if let Some(zone) = zone
        && let Some(model) =
            hosted_zones::Entity::find_by_id(zone.as_str().to_owned()).one(db).await?
        && let Some(a) = model.account_id.as_deref().and_then(|a| AccountId::parse(a).ok())
    {
        return Ok(Some(a));
    }
    Ok(account.cloned())
}

/// Parse a time parameter `name` and check it against the history window of the query's
/// scope (see [`window_account`]); `now` is the current time.
pub(crate) async fn checked_time(
    db: &impl ConnectionTrait,
    name: &str,
    raw: &str,
    zone: Option<&ZoneId>,
    account: Option<&AccountId>,
) -> ApiResult<Timestamp> {
    let t = parse_time(name, raw)?;
    let account = window_account(db, zone, account).await?;
    check_as_of(db, name, t, account.as_ref(), now()).await?;
    Ok(t)
}

fn now() -> Timestamp {
    zonetrail_model::to_micros(chrono::Utc::now())
}

/// The time-travel form of a record filter (`value` is checked on the rows).
fn as_of_filter(f: &RecordFilter) -> AsOfFilter {
    AsOfFilter {
        zone: f.zone.clone(),
        account: f.account.clone(),
        name: f.name.clone(),
        record_type: f.record_type.clone(),
        q: f.q.clone(),
        include_deleted: f.include_deleted,
    }
}

/// A cursor of `/api/records?as_of`: bound to the filters and the time.
fn records_scope(filter: &RecordFilter, as_of: &Timestamp) -> Scope {
    filter.scope_with(&[("as_of", Some(&timestamp::format(as_of)))])
}

/// One page of `/api/records?as_of=` (and of its CSV export): the record sets matching
/// `params` as they were at `as_of`, after `cursor`.
pub(crate) async fn records_as_of_page(
    state: &AppState,
    params: &RecordParams,
    raw_as_of: &str,
    cursor: Option<&str>,
    limit: u64,
) -> ApiResult<(Vec<AsOfRow>, Option<String>)> {
    let filter = RecordFilter::parse(params)?;
    // Annotations are of now: who owns what is not kept as of a past time.
    for (name, set) in [
        ("owner", filter.owners.owner.is_some()),
        ("team", filter.owners.team.is_some()),
        ("unowned", filter.owners.unowned),
    ] {
        if set {
            return Err(ApiError::bad_request(format!(
                "{name}: not available with as_of (annotations are of now, not of a past time)"
            )));
        }
    }
    let as_of =
        checked_time(&state.db, "as_of", raw_as_of, filter.zone.as_ref(), filter.account.as_ref())
            .await?;
    let scope = records_scope(&filter, &as_of);
    let after: Option<RecordKey> =
        cursor.filter(|c| !c.is_empty()).map(|c| scope.decode(c)).transpose()?;
    if filter.matches_nothing {
        return Ok((Vec::new(), None));
    }
    let mut as_of_filter = as_of_filter(&filter);
    // An account with one zone (deleted ones too: they may have existed then) is that zone's
    // filter, walked on the zone's index; one with none matches nothing.
    if let (Some(account), None) = (&filter.account, &filter.zone) {
        let zones = crate::accounts::zones_of(&state.db, account, false).await?;
        match zones.as_slice() {
            [] => return Ok((Vec::new(), None)),
            [one] => as_of_filter.zone = ZoneId::parse(one).ok(),
            _ => {}
        }
    }
    let (rows, next) = records_page(
        &state.db,
        as_of,
        &as_of_filter,
        filter.value.as_deref(),
        after,
        limit,
        state.config.q_scan_budget,
    )
    .await?;
    Ok((rows, next.map(|k| scope.encode(&k))))
}

/// `/api/records?as_of=`: a `RecordList` of the record sets as they were.
pub(crate) async fn list_records_as_of(
    state: &AppState,
    params: &RecordParams,
    raw_as_of: &str,
) -> ApiResult<Response> {
    let limit = parse_limit(params.limit.as_deref())?;
    let (rows, next_cursor) =
        records_as_of_page(state, params, raw_as_of, params.cursor.as_deref(), limit).await?;
    let items: Vec<RecordView> = rows.into_iter().map(AsOfRow::into_view).collect();
    Ok(Json(crate::records::RecordList { items, next_cursor }).into_response())
}

/// The record sets of each zone of `zones` present at `as_of`, from `live` (each zone's live
/// record sets now, the kept counts) and the history since: only record sets with a change
/// after `as_of` can have been present then and not now, or the other way round, so each
/// zone's count then is its count now minus, over those record sets, (present now) − (present
/// at `as_of`). The cost follows the changes since `as_of`, not the size of the inventory.
/// This relies on the history's invariant (docs/design.md, "History rows"): a live record
/// set's last change is a create or an update, a deleted one's a delete, or it has none.
pub(crate) async fn zone_counts_as_of(
    db: &impl ConnectionTrait,
    as_of: Timestamp,
    zones: &[String],
    live: &HashMap<String, i64>,
) -> ApiResult<HashMap<String, i64>> {
    #[derive(FromQueryResult)]
    struct Row {
        zone_id: String,
        delta: i64,
    }
    let mut out: HashMap<String, i64> =
        zones.iter().map(|z| (z.clone(), live.get(z).copied().unwrap_or(0))).collect();
    if zones.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    let marks = vec!["?"; zones.len()].join(", ");
    let sql = format!(
        "SELECT rs.zone_id, \
         CAST(SUM(CASE WHEN rs.deleted_at IS NULL THEN 1 ELSE 0 END) \
            - SUM(CASE WHEN rc.action IS NOT NULL AND rc.action <> 'delete' THEN 1 ELSE 0 END) \
            AS SIGNED) AS delta \
         FROM record_sets rs \
         LEFT JOIN record_changes rc ON rc.id = {LAST_CHANGE} \
         WHERE rs.id IN (SELECT w.record_id FROM record_changes w \
             WHERE w.zone_id IN ({marks}) AND w.observed_at > ?) \
         GROUP BY rs.zone_id"
    );
    let t = to_micros(as_of);
    let mut values: Vec<Value> = vec![t.into()];
    values.extend(zones.iter().map(|z| Value::from(z.as_str())));
    values.push(t.into());
    for r in db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await? {
        let row = Row::from_query_result(&r, "")?;
        if let Some(n) = out.get_mut(&row.zone_id) {
            *n -= row.delta;
        }
    }
    Ok(out)
}

/// A required time parameter in the OpenAPI document: RFC 3339.
fn time_schema(description: &str) -> utoipa::openapi::Object {
    use utoipa::openapi::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some(description))
        .examples(["2026-11-22T09:00:00Z"])
        .build()
}

/// An optional time parameter in the OpenAPI document: RFC 3339, or empty (the same as absent).
fn time_or_empty_schema(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::{ObjectBuilder, OneOfBuilder, Type};
    let one_of = OneOfBuilder::new()
        .item(time_schema("RFC 3339"))
        .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
        .description(Some(description))
        .build();
    utoipa::openapi::RefOr::T(utoipa::openapi::Schema::OneOf(one_of))
}

/// `as_of` of `/api/records`, `/api/records.csv`, `/api/zones` and the zone file.
pub(crate) fn as_of_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    time_or_empty_schema(
        "The inventory as it was at this time (RFC 3339, any offset); empty: now. In the \
         future, or before the history window (`history_complete_since` of `/api/stats`, of the \
         zone's or the account's account when the query names one), a 400 that names the \
         window's start.",
    )
}

fn diff_from_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    time_schema(
        "The earlier time (RFC 3339), required. In the future, or before the history window: \
         400 (naming the window's start).",
    )
}

fn diff_to_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    time_or_empty_schema(
        "The later time (RFC 3339); empty or absent: now. In the future, or before `from`: 400.",
    )
}

fn restore_to_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    time_schema(
        "The restore point (RFC 3339), required: the zone is taken back to its state at this \
         time. In the future, or before the history window: 400 (naming the window's start).",
    )
}

// ---------------------------------------------------------------------------------------
// /api/diff

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The earlier time (RFC 3339), required. Before the history window, or in the future: 400.
    #[serde(default)]
    #[param(schema_with = diff_from_schema)]
    pub from: String,
    /// The later time (RFC 3339); default now. Before `from`, or in the future: 400.
    #[param(schema_with = diff_to_schema)]
    pub to: Option<String>,
    /// Hosted zone id, with or without `/hostedzone/`.
    #[param(schema_with = zone_schema, example = "Z0123456789ABC")]
    pub zone: Option<String>,
    /// Only the record sets of this AWS account's zones (twelve digits).
    #[param(schema_with = account_schema, example = "123456789012")]
    pub account: Option<String>,
    /// Name filter, as `/api/records` takes it: `www.example.com` (exactly), `api-*` (names
    /// starting with `api-`), `*.prod.example.com` (every name below `prod.example.com`).
    #[param(example = "*.prod.example.com", max_length = 1024)]
    pub name: Option<String>,
    /// Record type, as Route 53 spells it; a type Route 53 does not have is a 400.
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = crate::records::filter::record_type_schema)]
    pub record_type: Option<String>,
    /// `next_cursor` of the previous page of the same query; any other value is a 400.
    pub cursor: Option<String>,
    /// Page size, from 1 (default 100); more than 1000 is capped to 1000.
    #[param(schema_with = limit_schema)]
    pub limit: Option<String>,
}

/// A page of the record sets whose state differs between two times.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffList {
    pub items: Vec<DiffItem>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The earlier time.
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// The later time (now, when `to` was not given).
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
}

/// Where the next diff page starts, and the `to` the first page answered for (so that a
/// diff "until now" keeps one `to` across its pages).
#[derive(Debug, Serialize, Deserialize)]
struct DiffPosition {
    name: String,
    id: i64,
    to: i64,
}

/// What changed between two times: each record set whose state at `to` differs from its
/// state at `from`, in `(name, id)` order (reversed name with `name=*.parent`). A record set
/// that changed and changed back is not listed.
#[utoipa::path(
    get,
    path = "/api/diff",
    tag = "history",
    params(DiffParams),
    responses(
        (status = 200, description = "A page of record sets added, removed or changed between `from` and `to`", body = DiffList),
        (status = 400, description = "A missing or bad time (malformed, in the future, before the history window, `from` after `to`), or a bad filter, limit or cursor", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn diff_route(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<DiffParams>,
) -> ApiResult<Json<DiffList>> {
    let record_params = RecordParams {
        zone: params.zone.clone(),
        account: params.account.clone(),
        record_type: params.record_type.clone(),
        name: params.name.clone(),
        ..RecordParams::default()
    };
    let filter = RecordFilter::parse(&record_params)?;
    let limit = parse_limit(params.limit.as_deref())?;
    let Some(raw_from) = non_empty(Some(&params.from)) else {
        return Err(ApiError::bad_request(
            "from is required: the earlier time, RFC 3339, such as 2026-11-22T09:00:00Z",
        ));
    };
    let raw_to = non_empty(params.to.as_deref());
    let (zone, account) = (filter.zone.as_ref(), filter.account.as_ref());
    let from = checked_time(&state.db, "from", raw_from, zone, account).await?;
    let scope = filter.scope_with(&[
        ("list", Some("diff")),
        ("from", Some(&timestamp::format(&from))),
        ("to", raw_to),
    ]);
    let after: Option<DiffPosition> =
        params.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| scope.decode(c)).transpose()?;
    let to = match (raw_to, &after) {
        (Some(raw), _) => checked_time(&state.db, "to", raw, zone, account).await?,
        (None, Some(pos)) => chrono::DateTime::from_timestamp_micros(pos.to)
            .ok_or_else(|| ApiError::bad_request("invalid cursor"))?,
        (None, None) => now(),
    };
    if from > to {
        return Err(ApiError::bad_request(format!(
            "from {} is after to {}",
            timestamp::format(&from),
            timestamp::format(&to)
        )));
    }
    if filter.matches_nothing {
        return Ok(Json(DiffList { items: Vec::new(), next_cursor: None, from, to }));
    }
    let as_of = AsOfFilter { q: None, include_deleted: false, ..as_of_filter(&filter) };
    let key = after.map(|p| RecordKey { name: p.name, id: p.id });
    let mut items = diff(&state.db, from, to, &as_of, key.as_ref(), limit + 1).await?;
    let full = items.len() as u64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if full {
        items.last().map(|i| {
            let k = i.key();
            scope.encode(&DiffPosition { name: k.name, id: k.id, to: to.timestamp_micros() })
        })
    } else {
        None
    };
    Ok(Json(DiffList { items, next_cursor, from, to }))
}

// ---------------------------------------------------------------------------------------
// /api/zones/{id}/restore

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RestoreParams {
    /// The restore point (RFC 3339), required: the zone is taken back to its state at this
    /// time. In the future or before the history window: 400.
    #[serde(default)]
    #[param(schema_with = restore_to_schema)]
    pub to: String,
}

/// How many changes of each kind the restore makes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoreSummaryView {
    pub creates: i64,
    pub deletes: i64,
    pub upserts: i64,
    pub batches: i64,
}

/// A record set the restore leaves alone, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedView {
    #[schema(example = "www.example.com.")]
    pub name: String,
    #[serde(rename = "type")]
    #[schema(example = "A")]
    pub record_type: String,
    pub set_identifier: Option<String>,
    #[schema(example = "managed by a traffic policy instance")]
    pub reason: String,
}

/// The Route 53 change batches that take a zone from its current state to its state at `to`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoreView {
    #[schema(example = "Z0123456789ABC")]
    pub zone_id: String,
    #[schema(example = "example.com.")]
    pub zone_name: String,
    /// The restore point.
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    pub summary: RestoreSummaryView,
    /// The requests, in the order to apply them; each is exactly the JSON
    /// `aws route53 change-resource-record-sets --change-batch file://…` takes. `[]` when the
    /// zone is as it was.
    #[schema(value_type = Vec<ChangeBatchDoc>)]
    pub batches: Vec<ChangeBatch>,
    /// One AWS CLI command per batch, in order; batch N read from `batch-N.json`.
    #[schema(example = json!(["aws route53 change-resource-record-sets --hosted-zone-id Z0123456789ABC --change-batch file://batch-1.json"]))]
    pub commands: Vec<String>,
    /// Record sets left alone (e.g. managed by a traffic policy instance).
    pub skipped: Vec<SkippedView>,
}

/// Take a zone back to a past time: the Route 53 change batches (DELETE what was created
/// since, CREATE what was deleted, UPSERT what changed; the apex SOA and NS never touched),
/// split to Route 53's per-request limits, and the AWS CLI commands that apply them. Nothing
/// is applied: this only reads.
#[utoipa::path(
    get,
    path = "/api/zones/{id}/restore",
    tag = "inventory",
    params(
        ("id" = String, Path, description = "Hosted zone id, with or without `/hostedzone/`", example = "Z0123456789ABC", pattern = r"^\s*(/?hostedzone/)?[A-Za-z0-9]{1,32}\s*$"),
        RestoreParams,
    ),
    responses(
        (status = 200, description = "The restore plan", body = RestoreView),
        (status = 400, description = "A bad zone id, or a missing or bad `to` (malformed, in the future, before the history window)", body = ErrorBody),
        (status = 404, description = "No hosted zone has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn restore_route(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<RestoreParams>,
) -> ApiResult<Json<RestoreView>> {
    let zone = parse_zone_id(&id)?;
    let Some(raw) = non_empty(Some(&params.to)) else {
        return Err(ApiError::bad_request(
            "to is required: the restore point, RFC 3339, such as 2026-11-22T09:00:00Z",
        ));
    };
    let to = parse_time("to", raw)?;
    let model = find_zone(&state.db, &zone).await?;
    let account = model.account_id.as_deref().and_then(|a| AccountId::parse(a).ok());
    check_as_of(&state.db, "to", to, account.as_ref(), now()).await?;
    let current = zone_snapshot(&state.db, &zone, None).await?;
    let target = zone_snapshot(&state.db, &zone, Some(to)).await?;
    let point = timestamp::format(&to);
    let plan = plan_restore(
        &current.zone_name,
        &current.records,
        &target.records,
        &point,
        &BatchLimits::ROUTE53,
    );
    let commands = (1..=plan.batches.len())
        .map(|n| {
            format!(
                "aws route53 change-resource-record-sets --hosted-zone-id {} --change-batch file://batch-{n}.json",
                zone.as_str()
            )
        })
        .collect();
    let s = plan.summary;
    Ok(Json(RestoreView {
        zone_id: zone.as_str().to_owned(),
        zone_name: current.zone.name.clone(),
        to,
        summary: RestoreSummaryView {
            creates: s.creates as i64,
            deletes: s.deletes as i64,
            upserts: s.upserts as i64,
            batches: s.batches as i64,
        },
        batches: plan.batches,
        commands,
        skipped: plan
            .skipped
            .into_iter()
            .map(|k| SkippedView {
                name: k.name.to_string(),
                record_type: k.rtype.to_string(),
                set_identifier: k.set_identifier,
                reason: k.reason.to_owned(),
            })
            .collect(),
    }))
}

fn parse_zone_id(raw: &str) -> ApiResult<ZoneId> {
    ZoneId::parse(raw.trim()).map_err(|e| ApiError::bad_request(format!("zone id: {e}")))
}

async fn find_zone(db: &impl ConnectionTrait, zone: &ZoneId) -> ApiResult<hosted_zones::Model> {
    hosted_zones::Entity::find_by_id(zone.as_str().to_owned())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no hosted zone {zone}")))
}

// ---------------------------------------------------------------------------------------
// /api/zones/{id}/zonefile

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ZoneFileParams {
    /// The zone as it was at this time (RFC 3339); default now. In the future or before the
    /// history window: 400.
    #[param(schema_with = as_of_schema)]
    pub as_of: Option<String>,
}

/// The zone as an RFC 1035 master file (BIND zone file), now or as it was at `as_of`:
/// `$ORIGIN` and `$TTL` set; record sets with a routing policy and aliases, which BIND cannot
/// express, written as `;` comments.
#[utoipa::path(
    get,
    path = "/api/zones/{id}/zonefile",
    tag = "inventory",
    params(
        ("id" = String, Path, description = "Hosted zone id, with or without `/hostedzone/`", example = "Z0123456789ABC", pattern = r"^\s*(/?hostedzone/)?[A-Za-z0-9]{1,32}\s*$"),
        ZoneFileParams,
    ),
    responses(
        (status = 200, description = "The zone file, as an attachment named after the zone (`example.com.zone`)", content_type = "text/plain", body = String),
        (status = 400, description = "A bad zone id or `as_of` (malformed, in the future, before the history window)", body = ErrorBody),
        (status = 404, description = "No hosted zone has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn zonefile_route(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ZoneFileParams>,
) -> ApiResult<Response> {
    let zone = parse_zone_id(&id)?;
    let as_of =
        non_empty(params.as_of.as_deref()).map(|raw| parse_time("as_of", raw)).transpose()?;
    let model = find_zone(&state.db, &zone).await?;
    if let Some(t) = as_of {
        let account = model.account_id.as_deref().and_then(|a| AccountId::parse(a).ok());
        check_as_of(&state.db, "as_of", t, account.as_ref(), now()).await?;
    }
    let snap = zone_snapshot(&state.db, &zone, as_of).await?;
    let text = zonetrail_model::zonefile::zone_file(&snap.zone_name, &snap.records, None);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, attachment(&snap.zone.name)),
        ],
        text,
    )
        .into_response())
}

/// `attachment; filename="example.com.zone"`: the zone's name without its trailing dot, any
/// character a header's quoted string cannot hold plainly replaced by `_`.
fn attachment(zone_name: &str) -> String {
    let base = zone_name.strip_suffix('.').unwrap_or(zone_name);
    let safe: String = base
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' })
        .collect();
    format!("attachment; filename=\"{safe}.zone\"")
}

// ---------------------------------------------------------------------------------------
// The change batch, described for the OpenAPI document. The model's `ChangeBatch` is what is
// served (exactly the AWS CLI's `--change-batch` JSON, members without a value left out);
// these types only describe it. A member the model may leave out is not `required`.

/// One `ChangeResourceRecordSets` request body, as the AWS CLI's `--change-batch` takes it.
#[derive(ToSchema)]
#[schema(as = ChangeBatch)]
#[allow(dead_code)]
pub struct ChangeBatchDoc {
    /// Names the restore point.
    #[schema(
        rename = "Comment",
        example = "zonetrail restore of example.com. to 2026-11-22T09:00:00.000000Z (1/1)"
    )]
    comment: String,
    #[schema(rename = "Changes")]
    changes: Vec<ChangeDoc>,
}

/// One change of a batch.
#[derive(ToSchema)]
#[schema(as = Change)]
#[allow(dead_code)]
pub struct ChangeDoc {
    #[schema(rename = "Action", schema_with = action_schema)]
    action: String,
    #[schema(rename = "ResourceRecordSet")]
    resource_record_set: ResourceRecordSetDoc,
}

fn action_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["CREATE", "DELETE", "UPSERT"]))
}

/// A record set as Route 53's API spells it. Only the members the record set has are sent.
#[derive(ToSchema)]
#[schema(as = ResourceRecordSet)]
#[allow(dead_code)]
pub struct ResourceRecordSetDoc {
    #[schema(rename = "Name", example = "www.example.com.")]
    name: String,
    #[schema(rename = "Type", example = "A")]
    rtype: String,
    #[schema(rename = "SetIdentifier", nullable = false)]
    set_identifier: Option<String>,
    #[schema(rename = "Weight", nullable = false)]
    weight: Option<i64>,
    #[schema(rename = "Region", nullable = false)]
    region: Option<String>,
    #[schema(rename = "GeoLocation", nullable = false)]
    geo_location: Option<R53GeoLocation>,
    #[schema(rename = "Failover", nullable = false)]
    failover: Option<String>,
    #[schema(rename = "MultiValueAnswer", nullable = false)]
    multi_value_answer: Option<bool>,
    #[schema(rename = "HealthCheckId", nullable = false)]
    health_check_id: Option<String>,
    #[schema(rename = "CidrRoutingConfig", nullable = false)]
    cidr_routing_config: Option<R53CidrRoutingConfig>,
    #[schema(rename = "GeoProximityLocation", nullable = false)]
    geo_proximity_location: Option<R53GeoProximityLocation>,
    #[schema(rename = "TTL", nullable = false)]
    ttl: Option<i64>,
    #[schema(rename = "ResourceRecords", nullable = false)]
    resource_records: Option<Vec<R53ResourceRecord>>,
    #[schema(rename = "AliasTarget", nullable = false)]
    alias_target: Option<R53AliasTarget>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct R53ResourceRecord {
    #[schema(rename = "Value", example = "192.0.2.10")]
    value: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct R53GeoLocation {
    #[schema(rename = "ContinentCode", nullable = false)]
    continent_code: Option<String>,
    #[schema(rename = "CountryCode", nullable = false)]
    country_code: Option<String>,
    #[schema(rename = "SubdivisionCode", nullable = false)]
    subdivision_code: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct R53CidrRoutingConfig {
    #[schema(rename = "CollectionId")]
    collection_id: String,
    #[schema(rename = "LocationName")]
    location_name: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct R53Coordinates {
    #[schema(rename = "Latitude")]
    latitude: String,
    #[schema(rename = "Longitude")]
    longitude: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct R53GeoProximityLocation {
    #[schema(rename = "AWSRegion", nullable = false)]
    aws_region: Option<String>,
    #[schema(rename = "LocalZoneGroup", nullable = false)]
    local_zone_group: Option<String>,
    #[schema(rename = "Coordinates", nullable = false)]
    coordinates: Option<R53Coordinates>,
    #[schema(rename = "Bias", nullable = false)]
    bias: Option<i32>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct R53AliasTarget {
    #[schema(rename = "HostedZoneId")]
    hosted_zone_id: String,
    #[schema(rename = "DNSName")]
    dns_name: String,
    #[schema(rename = "EvaluateTargetHealth")]
    evaluate_target_health: bool,
}

/// Schemas whose members are sent only when they have a value (the AWS CLI's JSON): the
/// OpenAPI document keeps their `required` as derived instead of requiring every member.
pub const SPARSE_SCHEMAS: &[&str] = &[
    "ChangeBatch",
    "Change",
    "ResourceRecordSet",
    "R53ResourceRecord",
    "R53GeoLocation",
    "R53CidrRoutingConfig",
    "R53Coordinates",
    "R53GeoProximityLocation",
    "R53AliasTarget",
];
