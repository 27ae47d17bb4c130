//! Change history: `/api/records/{id}/history` (one record set) and `/api/changes` (the
//! account-wide feed). Both are newest first, keyset-paginated on `(observed_at, id)`, which
//! `idx_record_changes_record`, `idx_record_changes_feed`, `idx_record_changes_zone` and
//! `idx_record_changes_source` (migration 4) serve with the primary key appended.

use axum::Json;
use axum::extract::State;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonetrail_model::entity::{accounts, hosted_zones, record_changes, record_sets};
use zonetrail_model::{AccountId, Timestamp, ZoneId};

use crate::annotations::AnnotationFields;
use crate::annotations::read::{Edit, edits_of};
use crate::annotations::store::Key;
use crate::cursor::Scope;
use crate::error::ErrorBody;
use crate::extract::{ApiPath, ApiQuery, parse_id};
use crate::page::{
    account_schema, limit_schema, parse_account, parse_limit, parse_zone, zone_schema,
};
use crate::records::view::{RecordContent, parse_content};
use crate::{ApiError, ApiResult, AppState, timestamp};

const RC: &str = "rc";
const RS: &str = "rs";
const HZ: &str = "hz";
const AC: &str = "ac";

/// One change of a record set.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    #[schema(example = 7)]
    pub id: i64,
    /// `create`, `update` or `delete`.
    #[schema(schema_with = action_schema)]
    pub action: String,
    /// Which path saw it: `event` (CloudTrail), `sweep`, or `reconcile` (a sweep found it gone).
    #[schema(schema_with = change_source_schema)]
    pub source: String,
    /// Who made the change: CloudTrail `userIdentity.arn`, when known.
    #[schema(example = "arn:aws:sts::111122223333:assumed-role/deployer/ci")]
    pub actor: Option<String>,
    /// For an assumed role, the role that issued the session.
    pub actor_role: Option<String>,
    /// The CloudTrail event id, for a change seen as an event.
    pub event_id: Option<String>,
    /// When the change happened (event time) or was observed (sweep read time).
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub observed_at: Timestamp,
    /// The record set before the change; `null` for a creation.
    pub before: Option<RecordContent>,
    /// The record set after the change; `null` for a deletion.
    pub after: Option<RecordContent>,
    /// `backfill` when the change was read from CloudTrail's event history by
    /// `zonetrail backfill` (up to 90 days back); `null` for a live event, a sweep or a
    /// reconcile.
    #[schema(schema_with = via_schema)]
    pub via: Option<String>,
    /// An `update` whose state before is unknown (`before` is `null`): the record's first
    /// known observation was a Route 53 `UPSERT`, which does not say what was there, so this
    /// is not a creation.
    pub before_unknown: bool,
    /// The `Comment` of the Route 53 change batch, for a change seen as an event; `null`
    /// otherwise.
    #[schema(example = "deploy checkout 2026-12-04")]
    pub comment: Option<String>,
    /// For an `annotation` entry: the annotation before the edit (`null`: none); `null` for
    /// every other entry.
    pub annotation_before: Option<AnnotationFields>,
    /// For an `annotation` entry: the annotation after the edit (`null`: cleared); `null`
    /// for every other entry.
    pub annotation_after: Option<AnnotationFields>,
}

/// A change in the feed: the history entry, which record set it belongs to, and its zone's
/// account.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedItem {
    #[serde(flatten)]
    pub change: ChangeView,
    pub record_id: i64,
    pub zone_id: String,
    pub zone_name: Option<String>,
    /// The AWS account that owns the zone (twelve digits); `null` when not known.
    #[schema(example = "123456789012")]
    pub account_id: Option<String>,
    /// The account's name in AWS Organizations; `null` when not known.
    #[schema(example = "production")]
    pub account_name: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: String,
    pub set_identifier: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryList {
    pub items: Vec<ChangeView>,
    /// Pass as `cursor` to get older changes; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedList {
    pub items: Vec<FeedItem>,
    /// Pass as `cursor` to get older changes; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// `next_cursor` of the previous page; any other value is a 400.
    pub cursor: Option<String>,
    /// Page size, from 1 (default 100); more than 1000 is capped to 1000.
    #[param(schema_with = limit_schema)]
    pub limit: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only changes in this hosted zone.
    #[param(schema_with = zone_schema, example = "Z0123456789ABC")]
    pub zone: Option<String>,
    /// Only changes in this AWS account's zones (twelve digits).
    #[param(schema_with = account_schema, example = "123456789012")]
    pub account: Option<String>,
    /// Only changes seen by this path.
    #[param(schema_with = source_schema)]
    pub source: Option<String>,
    /// Only changes observed at or after this time (RFC 3339).
    #[param(schema_with = since_schema, example = "2026-11-22T00:00:00Z")]
    pub since: Option<String>,
    /// `next_cursor` of the previous page of the same query; any other value is a 400.
    pub cursor: Option<String>,
    /// Page size, from 1 (default 100); more than 1000 is capped to 1000.
    #[param(schema_with = limit_schema)]
    pub limit: Option<String>,
}

/// The actions the writer records (`record_changes.action`), and `annotation` (an edit of the
/// record's annotation, in its history only).
const ACTIONS: [&str; 4] = ["create", "update", "delete", "annotation"];
/// Who saw a change (`record_changes.source`), and `edit` (an annotation edit).
const ENTRY_SOURCES: [&str; 4] = ["event", "sweep", "reconcile", "edit"];
/// The paths that see changes (`record_changes.source`).
const SOURCES: [&str; 3] = ["event", "sweep", "reconcile"];

fn action_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(ACTIONS))
        .description(Some(
            "`create`, `update` or `delete`; in a record's history also `annotation`: an edit of its annotation (`annotation_before`, `annotation_after`; `before` and `after` are `null`).",
        ))
        .examples(["update"])
}

fn change_source_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(ENTRY_SOURCES))
        .description(Some(
            "Which path saw it: `event` (CloudTrail), `sweep`, or `reconcile` (a sweep found it gone); `edit` for an annotation edit.",
        ))
        .examples(["event"])
}

fn via_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::Type::String,
            utoipa::openapi::Type::Null,
        ]))
        .enum_values(Some([Some("backfill"), None]))
        .description(Some(
            "`backfill` when the change was read from CloudTrail's event history by `zonetrail backfill` (up to 90 days back); `null` for a live event, a sweep or a reconcile.",
        ))
}

fn source_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    let mut values = vec![""];
    values.extend(SOURCES);
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values))
        .description(Some("Only changes seen by this path; empty: any."))
}

/// An RFC 3339 time, or empty (no lower bound).
fn since_schema() -> impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>> {
    use utoipa::openapi::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        )
        .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
        .description(Some(
            "Only changes observed at or after this time (RFC 3339, any offset); empty: no lower bound.",
        ))
}

/// Where the next (older) page starts.
#[derive(Debug, Serialize, Deserialize)]
struct Position {
    /// `observed_at` in microseconds since the epoch.
    t: i64,
    id: i64,
    /// In a record's history: 1 when the position is an annotation edit (the entries of one
    /// time are ordered changes after edits, then by id).
    #[serde(default, skip_serializing_if = "is_zero")]
    k: u8,
}

fn is_zero(k: &u8) -> bool {
    *k == 0
}

#[derive(Debug, FromQueryResult)]
struct ChangeRow {
    id: i64,
    record_id: i64,
    zone_id: String,
    action: String,
    source: String,
    actor: Option<String>,
    actor_role: Option<String>,
    event_id: Option<String>,
    observed_at: Timestamp,
    before_state: Option<String>,
    after_state: Option<String>,
    via: Option<String>,
    before_unknown: bool,
    comment: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct FeedRow {
    name: Option<String>,
    record_type: Option<String>,
    set_identifier: Option<String>,
    zone_name: Option<String>,
    account_id: Option<String>,
    account_name: Option<String>,
}

impl ChangeRow {
    fn into_view(self) -> ChangeView {
        ChangeView {
            id: self.id,
            action: self.action,
            source: self.source,
            actor: self.actor,
            actor_role: self.actor_role,
            event_id: self.event_id,
            observed_at: self.observed_at,
            before: parse_content(
                self.before_state.as_deref(),
                self.id,
                "record_changes.before_state",
            ),
            after: parse_content(
                self.after_state.as_deref(),
                self.id,
                "record_changes.after_state",
            ),
            via: self.via,
            before_unknown: self.before_unknown,
            comment: self.comment,
            annotation_before: None,
            annotation_after: None,
        }
    }
}

impl From<Edit> for ChangeView {
    fn from(e: Edit) -> Self {
        ChangeView {
            id: e.id,
            action: "annotation".to_owned(),
            source: "edit".to_owned(),
            actor: Some(e.actor),
            actor_role: None,
            event_id: None,
            observed_at: e.changed_at,
            before: None,
            after: None,
            via: None,
            before_unknown: false,
            comment: None,
            annotation_before: e.before,
            annotation_after: e.after,
        }
    }
}

fn change_select() -> SelectStatement {
    let mut s = Query::select();
    s.columns([
        (RC, record_changes::Column::Id),
        (RC, record_changes::Column::RecordId),
        (RC, record_changes::Column::ZoneId),
        (RC, record_changes::Column::Action),
        (RC, record_changes::Column::Source),
        (RC, record_changes::Column::Actor),
        (RC, record_changes::Column::ActorRole),
        (RC, record_changes::Column::EventId),
        (RC, record_changes::Column::ObservedAt),
        (RC, record_changes::Column::BeforeState),
        (RC, record_changes::Column::AfterState),
        (RC, record_changes::Column::Via),
        (RC, record_changes::Column::BeforeUnknown),
        (RC, record_changes::Column::Comment),
    ])
    .from_as(record_changes::Entity, RC);
    s
}

/// Newest first: `(observed_at, id) < position`.
fn older_than(pos: &Position) -> Result<Cond, ApiError> {
    let t = chrono::DateTime::from_timestamp_micros(pos.t)
        .ok_or_else(|| ApiError::bad_request("invalid cursor"))?;
    let at = Expr::col((RC, record_changes::Column::ObservedAt));
    let id = Expr::col((RC, record_changes::Column::Id));
    Ok(Cond::all().add(at.clone().lte(t)).add(Cond::any().add(at.lt(t)).add(id.lt(pos.id))))
}

fn newest_first(s: &mut SelectStatement) {
    s.order_by((RC, record_changes::Column::ObservedAt), Order::Desc)
        .order_by((RC, record_changes::Column::Id), Order::Desc);
}

fn position(row: &ChangeRow) -> Position {
    Position { t: row.observed_at.timestamp_micros(), id: row.id, k: 0 }
}

/// The changes of one record set, newest first.
#[utoipa::path(
    get,
    path = "/api/records/{id}/history",
    tag = "history",
    params(("id" = i64, Path, description = "The record set's id", minimum = 1), HistoryParams),
    responses(
        (status = 200, description = "Changes, newest first", body = HistoryList),
        (status = 400, description = "A bad id, limit or cursor", body = ErrorBody),
        (status = 404, description = "No record set has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn record_history(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<HistoryParams>,
) -> ApiResult<Json<HistoryList>> {
    let id = parse_id(&id, "record id")?;
    let limit = parse_limit(params.limit.as_deref())?;
    let scope = Scope::new(&[("list", Some("history")), ("record", Some(&id.to_string()))]);
    let after: Option<Position> =
        params.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| scope.decode(c)).transpose()?;
    let Some(key) = record_key(&state.db, id).await? else {
        return Err(ApiError::not_found(format!("no record set has id {id}")));
    };
    // The record's changes and its key's annotation edits, each newest first from the
    // position, merged: newest first by time, then edits before changes, then by id.
    let mut s = change_select();
    s.and_where(Expr::col((RC, record_changes::Column::RecordId)).eq(id));
    let edits_before = match &after {
        None => None,
        Some(pos) => {
            let t = chrono::DateTime::from_timestamp_micros(pos.t)
                .ok_or_else(|| ApiError::bad_request("invalid cursor"))?;
            if pos.k == 0 {
                s.cond_where(older_than(pos)?);
                // Edits at the position's time come before it: only older ones remain.
                Some((t, i64::MIN))
            } else {
                // Every change at the edit's time comes after it.
                s.and_where(Expr::col((RC, record_changes::Column::ObservedAt)).lte(t));
                Some((t, pos.id))
            }
        }
    };
    newest_first(&mut s);
    s.limit(limit + 1);
    let changes = state
        .db
        .query_all(&s)
        .await?
        .iter()
        .map(|r| ChangeRow::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let edits = edits_of(&state.db, &key, edits_before, limit + 1).await?;
    let mut merged: Vec<(Position, ChangeView)> = changes
        .into_iter()
        .map(|c| (position(&c), c.into_view()))
        .chain(edits.into_iter().map(|e| {
            (Position { t: e.changed_at.timestamp_micros(), id: e.id, k: 1 }, ChangeView::from(e))
        }))
        .collect();
    merged.sort_by_key(|(p, _)| std::cmp::Reverse((p.t, p.k, p.id)));
    let full = merged.len() as u64 > limit;
    merged.truncate(limit as usize);
    let next_cursor = if full { merged.last().map(|(pos, _)| scope.encode(pos)) } else { None };
    Ok(Json(HistoryList { items: merged.into_iter().map(|(_, v)| v).collect(), next_cursor }))
}

fn next_cursor<T>(rows: &mut Vec<T>, limit: u64, scope: &Scope) -> Option<String>
where
    T: AsRef<ChangeRow>,
{
    let full = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if full { rows.last().map(|r| scope.encode(&position(r.as_ref()))) } else { None }
}

impl AsRef<ChangeRow> for ChangeRow {
    fn as_ref(&self) -> &ChangeRow {
        self
    }
}

/// The key of the record set `id`, if there is one.
async fn record_key(db: &impl ConnectionTrait, id: i64) -> ApiResult<Option<Key>> {
    use sea_orm::EntityTrait;
    Ok(record_sets::Entity::find_by_id(id).one(db).await?.map(|r| Key {
        zone_id: r.zone_id,
        name: r.name,
        record_type: r.record_type,
        set_identifier: r.set_identifier,
    }))
}

/// Every change, in every account (or the one `account` names), newest first.
#[utoipa::path(
    get,
    path = "/api/changes",
    tag = "history",
    params(FeedParams),
    responses(
        (status = 200, description = "Changes, newest first", body = FeedList),
        (status = 400, description = "A bad filter, limit or cursor", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn change_feed(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<FeedParams>,
) -> ApiResult<Json<FeedList>> {
    let zone = parse_zone(params.zone.as_deref())?;
    let account = parse_account(params.account.as_deref())?;
    let source = match params.source.as_deref().filter(|s| !s.is_empty()) {
        Some(s) if SOURCES.contains(&s) => Some(s),
        Some(s) => {
            return Err(ApiError::bad_request(format!(
                "source must be one of {}, got {s:?}",
                SOURCES.join(", ")
            )));
        }
        None => None,
    };
    let since = match params.since.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => Some(timestamp::parse(raw).ok_or_else(|| {
            ApiError::bad_request(format!("since must be an RFC 3339 time, got {raw:?}"))
        })?),
        None => None,
    };
    let limit = parse_limit(params.limit.as_deref())?;
    let since_text = since.as_ref().map(timestamp::format);
    let scope = Scope::new(&[
        ("list", Some("changes")),
        ("zone", zone.as_ref().map(ZoneId::as_str)),
        ("account", account.as_ref().map(AccountId::as_str)),
        ("source", source),
        ("since", since_text.as_deref()),
    ]);
    let after: Option<Position> =
        params.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| scope.decode(c)).transpose()?;

    let mut s = feed_select();
    if let Some(zone) = &zone {
        s.and_where(Expr::col((RC, record_changes::Column::ZoneId)).eq(zone.as_str()));
    }
    if let Some(account) = &account {
        // The account's zones, deleted ones too (their changes stay in the feed); a few, so
        // the feed's index still serves the order.
        let zones = crate::accounts::zones_of(&state.db, account, false).await?;
        if zones.is_empty() {
            return Ok(Json(FeedList { items: Vec::new(), next_cursor: None }));
        }
        s.and_where(Expr::col((RC, record_changes::Column::ZoneId)).is_in(zones));
    }
    if let Some(source) = source {
        s.and_where(Expr::col((RC, record_changes::Column::Source)).eq(source));
    }
    if let Some(since) = since {
        s.and_where(Expr::col((RC, record_changes::Column::ObservedAt)).gte(since));
    }
    if let Some(pos) = &after {
        s.cond_where(older_than(pos)?);
    }
    newest_first(&mut s);
    s.limit(limit + 1);

    let results = state.db.query_all(&s).await?;
    let mut rows = Vec::with_capacity(results.len());
    for r in &results {
        rows.push(FeedEntry {
            change: ChangeRow::from_query_result(r, "")?,
            record: FeedRow::from_query_result(r, "")?,
        });
    }
    let next_cursor = next_cursor(&mut rows, limit, &scope);
    Ok(Json(FeedList { items: rows.into_iter().map(FeedEntry::into_item).collect(), next_cursor }))
}

/// The feed's select: each change with its record's key, its zone and its account.
fn feed_select() -> SelectStatement {
    let mut s = change_select();
    s.expr_as(Expr::col((RS, record_sets::Column::Name)), "name")
        .expr_as(Expr::col((RS, record_sets::Column::RecordType)), "record_type")
        .expr_as(Expr::col((RS, record_sets::Column::SetIdentifier)), "set_identifier")
        .expr_as(Expr::col((HZ, hosted_zones::Column::Name)), "zone_name")
        .expr_as(Expr::col((HZ, hosted_zones::Column::AccountId)), "account_id")
        .expr_as(Expr::col((AC, accounts::Column::Name)), "account_name")
        .join_as(
            JoinType::LeftJoin,
            record_sets::Entity,
            RS,
            Expr::col((RS, record_sets::Column::Id)).equals((RC, record_changes::Column::RecordId)),
        )
        .join_as(
            JoinType::LeftJoin,
            hosted_zones::Entity,
            HZ,
            Expr::col((HZ, hosted_zones::Column::Id)).equals((RC, record_changes::Column::ZoneId)),
        )
        .join_as(
            JoinType::LeftJoin,
            accounts::Entity,
            AC,
            Expr::col((AC, accounts::Column::AccountId))
                .equals((HZ, hosted_zones::Column::AccountId)),
        );
    s
}

/// The changes `ids` exactly as `/api/changes` returns them, in id order; an id with no
/// history row (rewritten since) is left out. What a notification carries (issue 19).
pub async fn feed_items(db: &impl ConnectionTrait, ids: &[i64]) -> ApiResult<Vec<FeedItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut s = feed_select();
    s.and_where(Expr::col((RC, record_changes::Column::Id)).is_in(ids.iter().copied()))
        .order_by((RC, record_changes::Column::Id), Order::Asc);
    let results = db.query_all(&s).await?;
    let mut items = Vec::with_capacity(results.len());
    for r in &results {
        let entry = FeedEntry {
            change: ChangeRow::from_query_result(r, "")?,
            record: FeedRow::from_query_result(r, "")?,
        };
        items.push(entry.into_item());
    }
    Ok(items)
}

struct FeedEntry {
    change: ChangeRow,
    record: FeedRow,
}

impl AsRef<ChangeRow> for FeedEntry {
    fn as_ref(&self) -> &ChangeRow {
        &self.change
    }
}

impl FeedEntry {
    fn into_item(self) -> FeedItem {
        let (record_id, zone_id) = (self.change.record_id, self.change.zone_id.clone());
        let change = self.change.into_view();
        // The key of a record set never changes; the joined row has it. If that row were
        // missing, the change's own content still names the record.
        let content = change.after.as_ref().or(change.before.as_ref());
        let name = self.record.name.or_else(|| content.map(|c| c.name.clone())).unwrap_or_default();
        let record_type = self
            .record
            .record_type
            .or_else(|| content.map(|c| c.record_type.clone()))
            .unwrap_or_default();
        let set_identifier = match self.record.set_identifier {
            Some(s) => Some(s).filter(|s| !s.is_empty()),
            None => content.and_then(|c| c.set_identifier.clone()),
        };
        FeedItem {
            change,
            record_id,
            zone_id,
            zone_name: self.record.zone_name,
            account_id: self.record.account_id,
            account_name: self.record.account_name,
            name,
            record_type,
            set_identifier,
        }
    }
}
