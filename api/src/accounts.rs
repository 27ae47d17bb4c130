//! `/api/accounts`: the AWS accounts in scope, with their zones, records and how their last
//! sweep went; and the `account` filter's lookups (an account's zones, account names), shared
//! by the other routes.
//!
//! The accounts are every row of `accounts` (the writer keeps one per account a sweep has
//! reported on) and every account that owns a live hosted zone. A zone without an account (written
//! before accounts existed) belongs to none. Record counts come from the kept live counts
//! ([`crate::counts`], per zone), summed per account: no request counts a million records.

use axum::Json;
use axum::extract::State;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};
use zonetrail_model::entity::{accounts, hosted_zones};
use zonetrail_model::{AccountId, Timestamp};

use crate::coverage::{BackfillView, account_windows};
use crate::error::ErrorBody;
use crate::{ApiResult, AppState, timestamp};

/// The statuses `accounts.status` holds (`model::AccountState`).
pub const STATUSES: [&str; 3] = ["ok", "access_denied", "error"];

/// One AWS account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// Twelve digits.
    #[schema(example = "123456789012", pattern = "^[0-9]{12}$")]
    pub account_id: String,
    /// The account's name in AWS Organizations; `null` when not known.
    #[schema(example = "production")]
    pub name: Option<String>,
    /// Live hosted zones of the account.
    pub zones: i64,
    /// Live record sets in those zones (at most `counts_max_age` old, like `/api/stats`).
    pub records: i64,
    /// How the latest sweep of the account went: `ok`; `access_denied` (its role could not be
    /// assumed or refused a read: its inventory is kept but no longer refreshed); `error`
    /// (another failure). `null`: no sweep has reported on the account yet.
    #[schema(schema_with = status_schema)]
    pub status: Option<String>,
    /// When a sweep of the account last completed.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_success_at: Option<Timestamp>,
    /// When a sweep of the account was last attempted.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt_at: Option<Timestamp>,
    /// The last failure's message (kept after a later success; compare `last_error_at` with
    /// `last_success_at`).
    #[schema(example = "AccessDenied: not authorized to perform sts:AssumeRole")]
    pub last_error: Option<String>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_error_at: Option<Timestamp>,
    /// Changes of the account before this time are not known: its first sweep's end, or
    /// earlier when a CloudTrail backfill covers back from it ([`crate::coverage`]). `null`
    /// when no sweep has reported on the account yet.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub history_complete_since: Option<Timestamp>,
    /// The account's latest CloudTrail backfill window; `null` when none has run.
    pub backfill: Option<BackfillView>,
}

fn status_schema() -> impl Into<RefOr<Schema>> {
    let mut values: Vec<Option<&str>> = STATUSES.iter().copied().map(Some).collect();
    values.push(None);
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .description(Some(
            "How the latest sweep of the account went: `ok`; `access_denied` (its role could not be assumed or refused a read: its inventory is kept but no longer refreshed); `error` (another failure). `null`: no sweep has reported on the account yet.",
        ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    /// Every account, by name (unnamed last), then id.
    pub items: Vec<AccountView>,
}

/// The accounts' states in one line, for the dashboard's freshness area (`/api/stats`).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AccountSummary {
    /// Accounts listed by `/api/accounts` (with the `account` filter: 1, or 0 if unknown).
    pub total: i64,
    /// Accounts whose latest sweep completed.
    pub ok: i64,
    /// Accounts whose role was refused: their data is stale.
    pub access_denied: i64,
    /// Accounts whose latest sweep failed otherwise: their data is stale.
    pub error: i64,
}

/// Every AWS account in scope.
#[utoipa::path(
    get,
    path = "/api/accounts",
    tag = "inventory",
    responses(
        (status = 200, description = "Every account, by name then id", body = AccountList),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn list_accounts(State(state): State<AppState>) -> ApiResult<Json<AccountList>> {
    let counts = state.counts.get(&state.db).await?;
    let mut records_by_zone: HashMap<&str, i64> = HashMap::new();
    for c in counts.iter() {
        *records_by_zone.entry(c.zone_id.as_str()).or_default() += c.n;
    }
    let mut items = account_views(&state.db, None).await?;
    let zones = live_zone_accounts(&state.db).await?;
    for view in &mut items {
        for z in zones.iter().filter(|z| z.account_id.as_deref() == Some(&view.account_id)) {
            view.zones += 1;
            view.records += records_by_zone.get(z.id.as_str()).copied().unwrap_or(0);
        }
    }
    Ok(Json(AccountList { items }))
}

/// The accounts (or the one `only`), sorted, with zero counts.
pub(crate) async fn account_views(
    db: &impl ConnectionTrait,
    only: Option<&AccountId>,
) -> ApiResult<Vec<AccountView>> {
    let mut by_id: BTreeMap<String, AccountView> = BTreeMap::new();
    let rows = match only {
        Some(a) => accounts::Entity::find_by_id(a.as_str().to_owned()).all(db).await?,
        None => accounts::Entity::find().all(db).await?,
    };
    for a in rows {
        by_id.insert(
            a.account_id.clone(),
            AccountView {
                account_id: a.account_id,
                name: a.name,
                zones: 0,
                records: 0,
                status: a.status,
                last_success_at: a.last_success_at,
                last_attempt_at: a.last_attempt_at,
                last_error: a.last_error,
                last_error_at: a.last_error_at,
                history_complete_since: None,
                backfill: None,
            },
        );
    }
    for z in live_zone_accounts(db).await? {
        let Some(id) = z.account_id else { continue };
        if only.is_some_and(|a| a.as_str() != id) {
            continue;
        }
        by_id.entry(id.clone()).or_insert_with(|| AccountView {
            account_id: id,
            name: None,
            zones: 0,
            records: 0,
            status: None,
            last_success_at: None,
            last_attempt_at: None,
            last_error: None,
            last_error_at: None,
            history_complete_since: None,
            backfill: None,
        });
    }
    for w in account_windows(db, only).await? {
        if let Some(view) = by_id.get_mut(&w.account_id) {
            view.history_complete_since = w.complete_since;
            view.backfill = w.backfill;
        }
    }
    let mut items: Vec<AccountView> = by_id.into_values().collect();
    items.sort_by(|a, b| {
        (a.name.is_none(), &a.name, &a.account_id).cmp(&(b.name.is_none(), &b.name, &b.account_id))
    });
    Ok(items)
}

/// [`AccountSummary`] of these accounts.
pub(crate) fn summarize(accounts: &[AccountView]) -> AccountSummary {
    let count = |s: &str| accounts.iter().filter(|a| a.status.as_deref() == Some(s)).count() as i64;
    AccountSummary {
        total: accounts.len() as i64,
        ok: count("ok"),
        access_denied: count("access_denied"),
        error: count("error"),
    }
}

#[derive(Debug, FromQueryResult)]
pub(crate) struct ZoneAccount {
    pub id: String,
    pub account_id: Option<String>,
}

/// Every live zone's id and account (a few thousand rows at most).
async fn live_zone_accounts(db: &impl ConnectionTrait) -> ApiResult<Vec<ZoneAccount>> {
    let mut q = Query::select();
    q.columns([hosted_zones::Column::Id, hosted_zones::Column::AccountId])
        .from(hosted_zones::Entity)
        .and_where(Expr::col(hosted_zones::Column::DeletedAt).is_null());
    Ok(db
        .query_all(&q)
        .await?
        .iter()
        .map(|r| ZoneAccount::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The ids of the account's zones (deleted ones too unless `live_only`), by id; read from
/// `idx_hosted_zones_account`.
pub(crate) async fn zones_of(
    db: &impl ConnectionTrait,
    account: &AccountId,
    live_only: bool,
) -> ApiResult<Vec<String>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: String,
    }
    let mut q = Query::select();
    q.column(hosted_zones::Column::Id)
        .from(hosted_zones::Entity)
        .and_where(Expr::col(hosted_zones::Column::AccountId).eq(account.as_str()));
    if live_only {
        q.and_where(Expr::col(hosted_zones::Column::DeletedAt).is_null());
    }
    let mut ids = db
        .query_all(&q)
        .await?
        .iter()
        .map(|r| Id::from_query_result(r, "").map(|i| i.id))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort();
    Ok(ids)
}

/// Account names by id (the `accounts` table is small: one row per account).
pub(crate) async fn names(db: &impl ConnectionTrait) -> ApiResult<HashMap<String, String>> {
    #[derive(FromQueryResult)]
    struct Row {
        account_id: String,
        name: Option<String>,
    }
    let mut q = Query::select();
    q.columns([accounts::Column::AccountId, accounts::Column::Name])
        .from(accounts::Entity)
        .and_where(Expr::col(accounts::Column::Name).is_not_null());
    Ok(db
        .query_all(&q)
        .await?
        .iter()
        .map(|r| Row::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|r| Some((r.account_id, r.name?)))
        .collect())
}
