//! The resource side, applied by the writer inside its transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use zonetrail_model::entity::{ip_ranges, resource_listings, resources};
use zonetrail_model::{IpRangesMessage, ResourceKind, ResourceListing, ResourcesMessage};

use crate::{IpRanges, Work};

/// `resource_listings.status` of a complete listing.
pub const COMPLETE: &str = "complete";
/// `resource_listings.status` of a failed one.
pub const ERROR: &str = "error";

const CHUNK: usize = 500;

/// The stored `resource_key` of an item: the canonical IP text for eip/eni, else the key.
pub fn canonical_key(kind: ResourceKind, key: &str) -> Option<String> {
    let key = zonetrail_model::lookup_key(key)?;
    match kind {
        ResourceKind::Eip | ResourceKind::Eni => {
            key.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
        }
        _ => Some(key),
    }
}

/// The finding target (`ip:...`, `s3:...`) a resource of `kind` with stored `key` answers.
pub fn target_of(kind: ResourceKind, key: &str) -> Option<String> {
    Some(match kind {
        ResourceKind::Eip | ResourceKind::Eni => format!("ip:{key}"),
        ResourceKind::S3Bucket => format!("s3:{key}"),
        ResourceKind::Cloudfront => format!("cloudfront:{key}"),
        ResourceKind::ElasticBeanstalk => {
            let (prefix, region) = crate::targets::elastic_beanstalk(key)?;
            format!("eb:{prefix}.{region}")
        }
        ResourceKind::HealthCheck => format!("hc:{key}"),
    })
}

/// Apply one `resources` message: a complete listing upserts its items (when newer than what
/// is stored) and tombstones the kind/account/region's other live rows older than the
/// listing; a failed one only records the failure in `resource_listings`. Returns the targets
/// whose resources appeared or disappeared.
pub async fn apply_resources<C: ConnectionTrait>(
    txn: &C,
    message: &ResourcesMessage,
    now: DateTime<Utc>,
) -> Result<Work, DbErr> {
    let kind = message.resource_kind;
    let region = if kind.is_global() { String::new() } else { message.region.clone() };
    let account = message.account_id.as_str().to_owned();
    let obs = message.observed_at;
    let listing_row = resource_listings::Entity::find_by_id((
        kind.as_str().to_owned(),
        account.clone(),
        region.clone(),
    ))
    .one(txn)
    .await?;
    let newer_listed = listing_row.as_ref().and_then(|r| r.listed_at).is_some_and(|at| at > obs);
    let mut work = Work::default();
    let items = match &message.listing {
        ResourceListing::Failed { error } => {
            tracing::warn!(kind = %kind, account = %account, region = %region, reason = %error,
                "resource listing failed: findings that need it stay undecided");
            if !newer_listed {
                upsert_listing(txn, kind, &account, &region, ERROR, None, now, 0, Some(error))
                    .await?;
            }
            return Ok(work);
        }
        ResourceListing::Complete { items } => items,
    };
    // The items by stored key (a key listed twice counts once).
    let mut wanted: HashMap<String, &zonetrail_model::ResourceItem> = HashMap::new();
    for item in items {
        match canonical_key(kind, &item.key) {
            Some(k) => {
                wanted.entry(k).or_insert(item);
            }
            None => tracing::warn!(kind = %kind, account = %account, key = %item.key,
                "resource item with an unusable key skipped"),
        }
    }
    let stored = resources::Entity::find()
        .filter(resources::Column::Kind.eq(kind.as_str()))
        .filter(resources::Column::AccountId.eq(account.as_str()))
        .filter(resources::Column::Region.eq(region.as_str()))
        .all(txn)
        .await?;
    let mut by_key: HashMap<&str, &resources::Model> = HashMap::new();
    for row in &stored {
        by_key.insert(row.resource_key.as_str(), row);
    }
    let mut changed: BTreeSet<String> = BTreeSet::new();
    let mut refresh: Vec<i64> = Vec::new();
    let mut inserts: Vec<resources::ActiveModel> = Vec::new();
    for (key, item) in &wanted {
        let detail = (!item.detail.is_null()).then(|| item.detail.to_string());
        match by_key.get(key.as_str()) {
            None => {
                inserts.push(resources::ActiveModel {
                    kind: Set(kind.as_str().to_owned()),
                    account_id: Set(account.clone()),
                    region: Set(region.clone()),
                    resource_key: Set(key.clone()),
                    resource_id: Set(item.id.clone()),
                    detail: Set(detail),
                    observed_at: Set(obs),
                    deleted_at: Set(None),
                    ..Default::default()
                });
                changed.insert(key.clone());
            }
            Some(row) if row.observed_at > obs => {} // a newer observation stands
            Some(row)
                if row.deleted_at.is_some()
                    || row.resource_id != item.id
                    || row.detail != detail =>
            {
                if row.deleted_at.is_some() {
                    changed.insert(key.clone());
                }
                resources::Entity::update_many()
                    .col_expr(resources::Column::ResourceId, Expr::value(item.id.clone()))
                    .col_expr(resources::Column::Detail, Expr::value(detail))
                    .col_expr(resources::Column::ObservedAt, Expr::value(obs))
                    .col_expr(
                        resources::Column::DeletedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .filter(resources::Column::Id.eq(row.id))
                    .exec(txn)
                    .await?;
            }
            Some(row) => {
                if row.observed_at < obs {
                    refresh.push(row.id);
                }
            }
        }
    }
    let mut gone: Vec<i64> = Vec::new();
    for row in &stored {
        if row.deleted_at.is_none()
            && row.observed_at < obs
            && !wanted.contains_key(&row.resource_key)
        {
            gone.push(row.id);
            changed.insert(row.resource_key.clone());
        }
    }
    for chunk in inserts.chunks(CHUNK) {
        resources::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    for chunk in refresh.chunks(CHUNK) {
        resources::Entity::update_many()
            .col_expr(resources::Column::ObservedAt, Expr::value(obs))
            .filter(resources::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    for chunk in gone.chunks(CHUNK) {
        resources::Entity::update_many()
            .col_expr(resources::Column::DeletedAt, Expr::value(Some(obs)))
            .filter(resources::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    if !newer_listed {
        let n = wanted.len() as i64;
        upsert_listing(txn, kind, &account, &region, COMPLETE, Some(obs), now, n, None).await?;
    }
    // A listing's first success (or one after a failure) decides checks that were undecided
    // on records pointing at nothing it holds: `evaluate_all` (after each resource sweep, and
    // on the writer Lambda's schedule) takes those up.
    work.targets = changed.iter().filter_map(|k| target_of(kind, k)).collect();
    Ok(work)
}

#[allow(clippy::too_many_arguments)]
async fn upsert_listing<C: ConnectionTrait>(
    txn: &C,
    kind: ResourceKind,
    account: &str,
    region: &str,
    status: &str,
    listed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    items: i64,
    error: Option<&String>,
) -> Result<(), DbErr> {
    let mut update = vec![
        resource_listings::Column::Status,
        resource_listings::Column::AttemptedAt,
        resource_listings::Column::Items,
        resource_listings::Column::Error,
    ];
    if listed_at.is_some() {
        update.push(resource_listings::Column::ListedAt);
    }
    let row = resource_listings::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        account_id: Set(account.to_owned()),
        region: Set(region.to_owned()),
        status: Set(status.to_owned()),
        listed_at: Set(listed_at),
        attempted_at: Set(now),
        items: Set(items),
        error: Set(error.cloned()),
    };
    resource_listings::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                resource_listings::Column::Kind,
                resource_listings::Column::AccountId,
                resource_listings::Column::Region,
            ])
            .update_columns(update)
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Apply one `ip_ranges` message: store it unless its `sync_token` is already stored. A
/// document with no usable prefix is rejected (the caller reports it; the old ranges stay).
/// Returns `Work { all: true, .. }` when the ranges changed.
pub async fn apply_ip_ranges<C: ConnectionTrait>(
    txn: &C,
    message: &IpRangesMessage,
    _now: DateTime<Utc>,
) -> Result<Work, DbErr> {
    if let Err(e) = IpRanges::from_message(message) {
        tracing::error!(sync_token = %message.sync_token, reason = %e,
            "ip ranges rejected: the ranges in use stay as they were");
        return Ok(Work::default());
    }
    if ip_ranges::Entity::find_by_id(message.sync_token.clone()).one(txn).await?.is_some() {
        return Ok(Work::default());
    }
    let prefixes = serde_json::to_string(&message.prefixes)
        .map_err(|e| DbErr::Custom(format!("ip ranges do not serialise: {e}")))?;
    ip_ranges::Entity::insert(ip_ranges::ActiveModel {
        sync_token: Set(message.sync_token.clone()),
        create_date: Set(message.create_date.clone()),
        fetched_at: Set(message.observed_at),
        prefixes: Set(prefixes),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(Work { all: true, ..Work::default() })
}
