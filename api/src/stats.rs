//! `/api/stats`: live record counts by zone and type, and how fresh the inventory is.

use axum::Json;
use axum::extract::State;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};
use zonetrail_model::Timestamp;
use zonetrail_model::entity::{hosted_zones, record_changes, sweeps};

use crate::accounts::{AccountSummary, account_views, summarize, zones_of};
use crate::coverage::{HistoryWindow, account_windows, window};
use crate::error::ErrorBody;
use crate::extract::ApiQuery;
use crate::findings::{FindingCounts, finding_counts};
use crate::page::{account_schema, parse_account};
use crate::{ApiResult, AppState, timestamp};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Only this AWS account (twelve digits): its zones, their counts, its sweep and changes.
    #[param(schema_with = account_schema, example = "123456789012")]
    pub account: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// Every live zone, and every zone that still has live records, by name.
    pub zones: Vec<ZoneStats>,
    /// Live record sets by type, all zones. Counts are at most `counts_max_age` old (30 s by
    /// default); the timestamps below are read on every request.
    #[schema(example = json!({"A": 120, "CNAME": 40}))]
    pub by_type: BTreeMap<String, i64>,
    /// Live record sets, all zones.
    pub total_records: i64,
    /// How many accounts there are and how their latest sweeps went (`/api/accounts` has
    /// each); with `account`, that one account.
    pub accounts: AccountSummary,
    /// When the most recent zone sweep finished (with `account`: when a sweep of that account
    /// last completed).
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_sweep_at: Option<Timestamp>,
    /// Time of the most recent CloudTrail event that changed a record (with `account`: in
    /// that account's zones).
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_event_at: Option<Timestamp>,
    /// Time of the most recent change from any source (with `account`: in that account's
    /// zones).
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_change_at: Option<Timestamp>,
    /// Seconds since the last sweep finished: how stale the inventory can be if CloudTrail
    /// events were lost (events are best effort; the sweep is the guarantee). `null` before
    /// the first sweep.
    pub freshness_lag_seconds: Option<i64>,
    /// Changes before this time are not known (`history.complete_since`): the latest, over
    /// the accounts (with `account`: that one), of the time since which its history is
    /// complete. `null` when no sweep has reported on any account.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub history_complete_since: Option<Timestamp>,
    /// Since when the history is complete, per account, with each account's latest CloudTrail
    /// backfill window ([`crate::coverage`]).
    pub history: HistoryWindow,
    /// Findings (issue 20): open and suppressed, and the open ones by kind and severity (with
    /// `account`: of that account's zones). Read on every request.
    pub findings: FindingCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneStats {
    pub zone_id: String,
    /// `null` if the zone itself has not been observed.
    pub zone_name: Option<String>,
    pub private_zone: Option<bool>,
    /// Live record sets in the zone.
    pub records: i64,
    #[schema(example = json!({"A": 12, "TXT": 3}))]
    pub by_type: BTreeMap<String, i64>,
}

#[derive(FromQueryResult)]
struct ZoneRow {
    id: String,
    name: String,
    private_zone: bool,
}

#[derive(FromQueryResult)]
struct At {
    at: Option<Timestamp>,
}

/// Live record counts per zone and type, and freshness.
#[utoipa::path(
    get,
    path = "/api/stats",
    tag = "inventory",
    params(StatsParams),
    responses(
        (status = 200, description = "Counts and freshness", body = Stats),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn stats(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<StatsParams>,
) -> ApiResult<Json<Stats>> {
    let account = parse_account(params.account.as_deref())?;
    let db = &state.db;
    let counts = state.counts.get(db).await?;
    // With `account`: its zones, deleted ones too (a deleted zone's records are tombstones,
    // but a zone can be marked deleted before its records are).
    let account_zones: Option<HashSet<String>> = match &account {
        Some(a) => Some(zones_of(db, a, false).await?.into_iter().collect()),
        None => None,
    };
    let in_scope = |zone: &str| account_zones.as_ref().is_none_or(|zs| zs.contains(zone));

    let mut zq = Query::select();
    zq.columns([
        hosted_zones::Column::Id,
        hosted_zones::Column::Name,
        hosted_zones::Column::PrivateZone,
    ])
    .from(hosted_zones::Entity)
    .and_where(Expr::col(hosted_zones::Column::DeletedAt).is_null());
    if let Some(a) = &account {
        zq.and_where(Expr::col(hosted_zones::Column::AccountId).eq(a.as_str()));
    }
    let zones = db
        .query_all(&zq)
        .await?
        .iter()
        .map(|r| ZoneRow::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?;

    let mut by_zone: HashMap<String, ZoneStats> = zones
        .into_iter()
        .map(|z| {
            (
                z.id.clone(),
                ZoneStats {
                    zone_id: z.id,
                    zone_name: Some(z.name),
                    private_zone: Some(z.private_zone),
                    records: 0,
                    by_type: BTreeMap::new(),
                },
            )
        })
        .collect();
    let mut by_type = BTreeMap::new();
    let mut total_records = 0;
    for c in counts.iter().filter(|c| in_scope(&c.zone_id)) {
        let zone = by_zone.entry(c.zone_id.clone()).or_insert_with(|| ZoneStats {
            zone_id: c.zone_id.clone(),
            zone_name: None,
            private_zone: None,
            records: 0,
            by_type: BTreeMap::new(),
        });
        zone.records += c.n;
        *zone.by_type.entry(c.record_type.clone()).or_default() += c.n;
        *by_type.entry(c.record_type.clone()).or_default() += c.n;
        total_records += c.n;
    }
    let mut zones: Vec<ZoneStats> = by_zone.into_values().collect();
    zones.sort_by(|a, b| (&a.zone_name, &a.zone_id).cmp(&(&b.zone_name, &b.zone_id)));

    let accounts = account_views(db, account.as_ref()).await?;
    let (last_sweep_at, last_event_at, last_change_at) = match &account_zones {
        None => (
            latest(db, sweeps::Entity, sweeps::Column::FinishedAt, None, None).await?,
            latest(
                db,
                record_changes::Entity,
                record_changes::Column::ObservedAt,
                Some((record_changes::Column::Source, "event")),
                None,
            )
            .await?,
            latest(db, record_changes::Entity, record_changes::Column::ObservedAt, None, None)
                .await?,
        ),
        Some(zones) => {
            let zones: Vec<String> = zones.iter().cloned().collect();
            let zone_filter = Some((record_changes::Column::ZoneId, zones.as_slice()));
            (
                accounts.first().and_then(|a| a.last_success_at),
                latest(
                    db,
                    record_changes::Entity,
                    record_changes::Column::ObservedAt,
                    Some((record_changes::Column::Source, "event")),
                    zone_filter,
                )
                .await?,
                latest(
                    db,
                    record_changes::Entity,
                    record_changes::Column::ObservedAt,
                    None,
                    zone_filter,
                )
                .await?,
            )
        }
    };
    let history = window(account_windows(db, account.as_ref()).await?);
    let account_zone_list: Option<Vec<String>> =
        account_zones.as_ref().map(|zs| zs.iter().cloned().collect());
    let findings = finding_counts(db, account_zone_list.as_deref()).await?;
    let freshness_lag_seconds =
        last_sweep_at.map(|t| std::cmp::max((chrono::Utc::now() - t).num_seconds(), 0));
    Ok(Json(Stats {
        accounts: summarize(&accounts),
        zones,
        by_type,
        total_records,
        last_sweep_at,
        last_event_at,
        last_change_at,
        freshness_lag_seconds,
        history_complete_since: history.complete_since,
        history,
        findings,
    }))
}

/// The newest non-null value of a timestamp column (optionally where `filter` holds), read as
/// `ORDER BY col DESC LIMIT 1` so that an index on the column answers it.
async fn latest<E, C>(
    db: &impl ConnectionTrait,
    table: E,
    col: C,
    filter: Option<(C, &str)>,
    zones: Option<(C, &[String])>,
) -> ApiResult<Option<Timestamp>>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ColumnTrait,
{
    let mut q = Query::select();
    q.expr_as(Expr::col(col), Alias::new("at")).from(table).and_where(Expr::col(col).is_not_null());
    if let Some((c, v)) = filter {
        q.and_where(Expr::col(c).eq(v));
    }
    if let Some((c, zones)) = zones {
        if zones.is_empty() {
            return Ok(None);
        }
        q.and_where(Expr::col(c).is_in(zones.iter().cloned()));
    }
    q.order_by(col, Order::Desc).limit(1);
    Ok(match db.query_one(&q).await? {
        Some(r) => At::from_query_result(&r, "")?.at,
        None => None,
    })
}
