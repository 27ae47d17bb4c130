//! `/api/zones`: the hosted zones with their live record counts.

use axum::Json;
use axum::extract::State;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use zonetrail_model::entity::hosted_zones;
use zonetrail_model::{AccountId, Timestamp, Vpc};

use crate::error::ErrorBody;
use crate::extract::ApiQuery;
use crate::page::{account_schema, parse_account, parse_flag};
use crate::timetravel::routes;
use crate::{ApiResult, AppState, accounts, timestamp};

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneView {
    #[schema(example = "Z0123456789ABC")]
    pub zone_id: String,
    #[schema(example = "example.com.")]
    pub zone_name: String,
    /// The AWS account that owns the zone (twelve digits); `null` for a zone recorded before
    /// zonetrail knew accounts, until its account's next sweep.
    #[schema(example = "123456789012")]
    pub account_id: Option<String>,
    /// The account's name in AWS Organizations; `null` when not known.
    #[schema(example = "production")]
    pub account_name: Option<String>,
    pub private_zone: bool,
    pub comment: Option<String>,
    /// The VPCs a private zone is associated with; `[]` for a public zone.
    pub vpcs: Vec<VpcView>,
    /// Route 53's own count of record sets in the zone (`ResourceRecordSetCount`), when known.
    pub record_count: Option<i64>,
    /// Live record sets zonetrail holds for the zone.
    pub records: i64,
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub observed_at: Timestamp,
    /// Set when the zone was deleted.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deleted_at: Option<Timestamp>,
    /// Who owns the zone, as an editor set it (its records without an annotation of their
    /// own show it, inherited); `null` for none.
    pub annotation: Option<crate::annotations::Annotation>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VpcView {
    #[schema(example = "eu-west-1")]
    pub region: String,
    #[schema(example = "vpc-0abc")]
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneList {
    pub items: Vec<ZoneView>,
    /// Always `null`: every zone fits one page (an account holds at most a few thousand).
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ZoneParams {
    /// Include deleted zones.
    #[param(value_type = Option<bool>)]
    pub include_deleted: Option<String>,
    /// Only the zones of this AWS account (twelve digits).
    #[param(schema_with = account_schema, example = "123456789012")]
    pub account: Option<String>,
    /// The zones as they were at this time (RFC 3339): those that existed then (first seen
    /// at or before it, not yet deleted), each with `records` = its record sets present then;
    /// with `include_deleted`, also those deleted by then. In the future, or before the history
    /// window, a 400 that names the window's start.
    #[param(schema_with = crate::timetravel::routes::as_of_schema)]
    pub as_of: Option<String>,
}

/// The hosted zones, by name.
#[utoipa::path(
    get,
    path = "/api/zones",
    tag = "inventory",
    params(ZoneParams),
    responses(
        (status = 200, description = "Every zone (of the account, with `account`)", body = ZoneList),
        (status = 400, description = "A bad parameter, or a bad `as_of` (malformed, in the future, before the history window)", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn list_zones(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ZoneParams>,
) -> ApiResult<Json<ZoneList>> {
    let include_deleted = parse_flag("include_deleted", params.include_deleted.as_deref())?;
    let account = parse_account(params.account.as_deref())?;
    let as_of = match routes::non_empty(params.as_of.as_deref()) {
        None => None,
        Some(raw) => {
            Some(routes::checked_time(&state.db, "as_of", raw, None, account.as_ref()).await?)
        }
    };
    let account_names = accounts::names(&state.db).await?;
    let mut rows =
        zone_rows(&state.db, include_deleted || as_of.is_some(), account.as_ref()).await?;
    let mut records: HashMap<String, i64> = HashMap::new();
    for c in state.counts.get(&state.db).await?.iter() {
        *records.entry(c.zone_id.clone()).or_default() += c.n;
    }
    match as_of {
        None => {}
        Some(t) => {
            // The zones that existed at `t` (or, with include_deleted, also those deleted by
            // then), their deletion shown only when it had happened.
            rows.retain(|z| {
                z.first_seen_at <= t && (include_deleted || z.deleted_at.is_none_or(|d| d > t))
            });
            for z in &mut rows {
                z.deleted_at = z.deleted_at.filter(|d| *d <= t);
            }
            let ids: Vec<String> = rows.iter().map(|z| z.id.clone()).collect();
            records = routes::zone_counts_as_of(&state.db, t, &ids, &records).await?;
        }
    }
    let mut annotations = crate::annotations::read::of_zones(&state.db).await?;
    let items = rows
        .into_iter()
        .map(|z| {
            let vpcs = serde_json::from_str::<Vec<Vpc>>(&z.vpcs).unwrap_or_else(|e| {
                tracing::warn!(zone = %z.id, error = %e, "hosted_zones.vpcs does not parse; showing none");
                Vec::new()
            });
            ZoneView {
                records: records.get(&z.id).copied().unwrap_or(0),
                annotation: annotations.remove(&z.id),
                zone_id: z.id,
                zone_name: z.name,
                account_name: z.account_id.as_ref().and_then(|a| account_names.get(a)).cloned(),
                account_id: z.account_id,
                private_zone: z.private_zone,
                comment: z.comment,
                vpcs: vpcs.into_iter().map(|v| VpcView { region: v.region, id: v.id }).collect(),
                record_count: z.record_count,
                observed_at: z.observed_at,
                deleted_at: z.deleted_at,
            }
        })
        .collect();
    Ok(Json(ZoneList { items, next_cursor: None }))
}

async fn zone_rows(
    db: &impl ConnectionTrait,
    include_deleted: bool,
    account: Option<&AccountId>,
) -> ApiResult<Vec<hosted_zones::Model>> {
    let mut q = hosted_zones::Entity::find()
        .order_by_asc(hosted_zones::Column::Name)
        .order_by_asc(hosted_zones::Column::Id);
    if !include_deleted {
        q = q.filter(hosted_zones::Column::DeletedAt.is_null());
    }
    if let Some(account) = account {
        q = q.filter(hosted_zones::Column::AccountId.eq(account.as_str()));
    }
    Ok(q.all(db).await?)
}
