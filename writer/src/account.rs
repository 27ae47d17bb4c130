//! Accounts (issue 16): which account a zone belongs to, `zones_listed` and `account_status`.
//!
//! **A zone's account.** A zone message that creates the zone's row gives it the message's
//! account (the message's `account_id`, else the writer's default, `ZONETRAIL_ACCOUNT_ID`,
//! else none). A message of a zone whose row has no account fills it in. A stored account is
//! never changed: zone ids are unique across Route 53, so a message naming another account
//! breaks the contract; it is applied, and a warning names both accounts.
//!
//! **`zones_listed`.** Each listing is stored (`zone_listings`). For every zone of the account
//! missing from it, live or deleted within the horizon, the writer stores a zone-wide absence
//! (`zone_listed` origin, source `reconcile`) at the listing's `started_at` with the window
//! [`started_at`, `observed_at`], and applies it the way a zone deletion is applied: the zone
//! row is deleted unless its newest description was observed at or after `started_at`, and
//! each record not observed inside the window gets a `delete` with `reconcile` history. When
//! the writer learns a zone's account later (its row created, or its NULL account filled in),
//! the stored listings of that account that leave it out are applied to it then. So the
//! absences a zone ends with are those of every listing of its account that left it out,
//! whatever the delivery order.
//!
//! **`account_status`.** The `accounts` row merges every status: each group of columns keeps
//! the maximum of its own order, so any order and any duplicates give the same row.

use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QuerySelect,
};
use zonetrail_model::entity::{accounts, hosted_zones};
use zonetrail_model::{
    AccountId, AccountState, AccountStatus, Timestamp, ZoneId, ZonesListed, to_micros,
};

use crate::error::ApplyError;
use crate::origin::{self, ZoneLock};
use crate::plan::Counts;
use crate::sequence::{HORIZON, NewOrigin};
use crate::{ApplyOptions, absence, validate, zone};

/// A zone's stored account: `None` when the zone has no row, `Some(None)` when the row has no
/// account.
pub(crate) type StoredAccount = Option<Option<String>>;

pub(crate) async fn stored_account(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
) -> Result<StoredAccount, ApplyError> {
    use hosted_zones::Column as C;
    let q = Query::select()
        .column(C::AccountId)
        .from(hosted_zones::Entity)
        .and_where(Expr::col(C::Id).eq(zone_id.as_str()))
        .to_owned();
    Ok(match db.query_one(&q).await? {
        Some(r) => Some(r.try_get::<Option<String>>("", "account_id")?),
        None => None,
    })
}

/// After a zone-scoped message: give the zone its account if it had none, and then apply the
/// stored listings of that account that leave the zone out. `before` is the stored account
/// read (under the account's shared lock) before the message was applied.
pub(crate) async fn settle_zone(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    account: Option<&AccountId>,
    before: &StoredAccount,
    options: &ApplyOptions,
) -> Result<Counts, ApplyError> {
    let Some(account) = account else {
        return Ok(Counts::default());
    };
    let now = stored_account(db, zone_id).await?;
    match (&now, before) {
        // Still no row: nothing names the zone's account yet.
        (None, _) => Ok(Counts::default()),
        // The message created the row, with this account.
        (Some(Some(stored)), None) if stored == account.as_str() => {
            apply_stored_listings(db, zone_id, account, options).await
        }
        (Some(Some(stored)), _) => {
            if stored != account.as_str() {
                tracing::warn!(
                    zone_id = %zone_id,
                    stored_account = %stored,
                    message_account = %account,
                    "a message names another account than the zone's; the zone keeps its own (zone ids are unique across accounts)"
                );
            }
            Ok(Counts::default())
        }
        (Some(None), _) => {
            use hosted_zones::Column as C;
            let q = Query::update()
                .table(hosted_zones::Entity)
                .value(C::AccountId, account.as_str())
                .and_where(Expr::col(C::Id).eq(zone_id.as_str()))
                .and_where(Expr::col(C::AccountId).is_null())
                .to_owned();
            db.execute(&q).await?;
            apply_stored_listings(db, zone_id, account, options).await
        }
    }
}

/// Fill in the default account of every zone that has none: one idempotent UPDATE, run at
/// start-up (the writer Lambda's init, the CLI's local writer). Returns the zones updated.
pub async fn backfill_default_account(
    db: &impl ConnectionTrait,
    account: &AccountId,
) -> Result<u64, DbErr> {
    use hosted_zones::Column as C;
    let q = Query::update()
        .table(hosted_zones::Entity)
        .value(C::AccountId, account.as_str())
        .and_where(Expr::col(C::AccountId).is_null())
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected())
}

#[derive(sea_orm::DeriveIden, Clone, Copy)]
enum ZoneListings {
    Table,
    AccountId,
    SweepId,
    StartedAt,
    ObservedAt,
    ZoneIds,
}

struct Listing {
    sweep_id: String,
    started_at: Timestamp,
    observed_at: Timestamp,
    /// Sorted.
    zone_ids: Vec<String>,
}

impl Listing {
    fn leaves_out(&self, zone_id: &ZoneId) -> bool {
        self.zone_ids.binary_search_by(|z| z.as_str().cmp(zone_id.as_str())).is_err()
    }
}

/// Listings older than this before a new one are dropped: nothing that old can arrive (SQS
/// keeps a message 14 days), and the zone absences past the horizon are no longer checked.
fn listing_retention() -> Duration {
    HORIZON + HORIZON
}

pub(crate) async fn zones_listed(
    db: &impl ConnectionTrait,
    l: &ZonesListed,
    now: Timestamp,
    options: &ApplyOptions,
) -> Result<Counts, ApplyError> {
    validate::zones_listed(l, now)?;
    let account = l.account_id.as_str();
    let started_at = to_micros(l.started_at);
    let observed_at = to_micros(l.observed_at);
    origin::lock_account(db, account, ZoneLock::Exclusive).await?;

    let mut listed: Vec<String> = l.zone_ids.iter().map(|z| z.as_str().to_owned()).collect();
    listed.sort();
    listed.dedup();
    let json = serde_json::to_string(&listed).expect("strings always serialise");
    let q = Query::insert()
        .into_table(ZoneListings::Table)
        .columns([
            ZoneListings::AccountId,
            ZoneListings::SweepId,
            ZoneListings::StartedAt,
            ZoneListings::ObservedAt,
            ZoneListings::ZoneIds,
        ])
        .values_panic([
            account.into(),
            l.sweep_id.as_str().into(),
            started_at.into(),
            observed_at.into(),
            json.into(),
        ])
        .on_conflict(
            OnConflict::columns([ZoneListings::AccountId, ZoneListings::SweepId])
                .do_nothing_on([ZoneListings::SweepId])
                .to_owned(),
        )
        .to_owned();
    // SQLite's and MySQL's "do nothing" differ in what they report; neither is an error.
    match db.execute(&q).await {
        Ok(_) => {}
        Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    let q = Query::delete()
        .from_table(ZoneListings::Table)
        .and_where(Expr::col(ZoneListings::AccountId).eq(account))
        .and_where(Expr::col(ZoneListings::ObservedAt).lt(started_at - listing_retention()))
        .to_owned();
    db.execute(&q).await?;

    let listing =
        Listing { sweep_id: l.sweep_id.clone(), started_at, observed_at, zone_ids: listed };
    // The account's zones, live or deleted recently enough that a late description could
    // still bring them back (a description older than the horizon cannot arrive).
    use hosted_zones::Column as C;
    let default_is_this = options.default_account.as_ref().is_some_and(|d| d.as_str() == account);
    let mut of_account = Expr::col(C::AccountId).eq(account);
    if default_is_this {
        of_account = of_account.or(Expr::col(C::AccountId).is_null());
    }
    let q = Query::select()
        .column(C::Id)
        .from(hosted_zones::Entity)
        .cond_where(of_account)
        .cond_where(
            Expr::col(C::DeletedAt)
                .is_null()
                .or(Expr::col(C::ObservedAt).gte(started_at - HORIZON)),
        )
        .to_owned();
    let mut zones: Vec<String> = db
        .query_all(&q)
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "id"))
        .collect::<Result<_, _>>()?;
    zones.sort();
    let mut counts = Counts::default();
    for id in zones {
        let zone_id = ZoneId::parse(&id)
            .map_err(|e| ApplyError::Inconsistent(format!("hosted_zones.id {id:?}: {e}")))?;
        if !listing.leaves_out(&zone_id) {
            continue;
        }
        // In id order: two listings of one account never meet (the account lock), and a
        // zone message takes the account's lock before its zone's.
        origin::lock_zone(db, &zone_id, ZoneLock::Exclusive).await?;
        add(&mut counts, listed_absent(db, &zone_id, account, &listing, options).await?);
    }
    Ok(counts)
}

/// Apply the stored listings of `account` that leave the zone out. The caller holds the
/// account's lock (shared at least).
async fn apply_stored_listings(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    account: &AccountId,
    options: &ApplyOptions,
) -> Result<Counts, ApplyError> {
    let q = Query::select()
        .columns([
            ZoneListings::SweepId,
            ZoneListings::StartedAt,
            ZoneListings::ObservedAt,
            ZoneListings::ZoneIds,
        ])
        .from(ZoneListings::Table)
        .and_where(Expr::col(ZoneListings::AccountId).eq(account.as_str()))
        .to_owned();
    let mut listings = Vec::new();
    for r in db.query_all(&q).await? {
        let json: String = r.try_get("", "zone_ids")?;
        let sweep_id: String = r.try_get("", "sweep_id")?;
        let zone_ids: Vec<String> = serde_json::from_str(&json).map_err(|e| {
            ApplyError::Inconsistent(format!("zone_listings {account}/{sweep_id}: {e}"))
        })?;
        listings.push(Listing {
            sweep_id,
            started_at: r.try_get("", "started_at")?,
            observed_at: r.try_get("", "observed_at")?,
            zone_ids,
        });
    }
    let mut counts = Counts::default();
    let leaving_out: Vec<&Listing> = listings.iter().filter(|l| l.leaves_out(zone_id)).collect();
    if leaving_out.is_empty() {
        return Ok(counts);
    }
    origin::lock_zone(db, zone_id, ZoneLock::Exclusive).await?;
    for listing in leaving_out {
        add(&mut counts, listed_absent(db, zone_id, account.as_str(), listing, options).await?);
    }
    Ok(counts)
}

/// One listing's absence for one zone it left out: stored, then applied to the zone row and
/// its records exactly as a zone deletion is (`zone::apply`), with the listing's origin.
async fn listed_absent(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    account: &str,
    listing: &Listing,
    options: &ApplyOptions,
) -> Result<Counts, ApplyError> {
    let new = NewOrigin::listed(
        zone_id,
        account,
        &listing.sweep_id,
        listing.started_at,
        listing.observed_at,
    );
    let origin = origin::ensure(db, &new).await?;
    let absences = origin::zone_absences(db, zone_id).await?;
    zone::update_row(db, zone_id, None, &absences, None).await?;
    absence::apply(db, zone_id, &origin, &absences, &[], options).await
}

fn add(total: &mut Counts, c: Counts) {
    total.created += c.created;
    total.updated += c.updated;
    total.tombstoned += c.tombstoned;
    total.refreshed += c.refreshed;
    total.unchanged += c.unchanged;
    total.history_rows += c.history_rows;
}

/// Merge one `account_status` into the account's row. Each group of columns keeps the maximum
/// of its own order, so the row does not depend on delivery order or duplicates:
/// `status`/`last_attempt_at`/`last_sweep_id` from the newest status (ties: the larger sweep
/// id, then status), `last_success_at` the newest `ok`, `last_error`/`last_error_at` the newest
/// failure (ties: the larger text), `name` the newest status that has one.
pub(crate) async fn status(
    db: &impl ConnectionTrait,
    s: &AccountStatus,
    now: Timestamp,
) -> Result<(), ApplyError> {
    validate::account_status(s, now)?;
    let at = to_micros(s.observed_at);
    let stored = accounts::Entity::find_by_id(s.account_id.as_str().to_owned())
        .lock_exclusive()
        .one(db)
        .await?;
    let ok = s.status == AccountState::Ok;
    let error = (!ok).then(|| s.error.clone().unwrap_or_else(|| s.status.as_str().to_owned()));
    let name = s.account_name.clone().filter(|n| !n.trim().is_empty());
    let Some(row) = stored else {
        let row = accounts::ActiveModel {
            account_id: Set(s.account_id.as_str().to_owned()),
            name_observed_at: Set(name.as_ref().map(|_| at)),
            name: Set(name),
            status: Set(Some(s.status.as_str().to_owned())),
            last_attempt_at: Set(Some(at)),
            last_success_at: Set(ok.then_some(at)),
            last_sweep_id: Set(Some(s.sweep_id.clone())),
            last_error_at: Set(error.as_ref().map(|_| at)),
            last_error: Set(error),
            first_seen_at: Set(at),
        };
        // A concurrent first status of the same account fails this one with a duplicate
        // key; the message is tried again (`ApplyError::is_conflict`) and then merges.
        accounts::Entity::insert(row).exec_without_returning(db).await?;
        return Ok(());
    };
    let mut merged = row.clone();
    let new_key = (Some(at), Some(s.sweep_id.as_str()), Some(s.status.as_str()));
    let old_key = (row.last_attempt_at, row.last_sweep_id.as_deref(), row.status.as_deref());
    if new_key > old_key {
        merged.last_attempt_at = Some(at);
        merged.last_sweep_id = Some(s.sweep_id.clone());
        merged.status = Some(s.status.as_str().to_owned());
    }
    if ok && row.last_success_at.is_none_or(|t| at > t) {
        merged.last_success_at = Some(at);
    }
    if let Some(error) = error
        && (Some(at), Some(error.as_str())) > (row.last_error_at, row.last_error.as_deref())
    {
        merged.last_error_at = Some(at);
        merged.last_error = Some(error);
    }
    if let Some(name) = name
        && (Some(at), Some(name.as_str())) > (row.name_observed_at, row.name.as_deref())
    {
        merged.name_observed_at = Some(at);
        merged.name = Some(name);
    }
    merged.first_seen_at = Ord::min(row.first_seen_at, at);
    if merged != row {
        let active: accounts::ActiveModel = merged.into();
        accounts::Entity::update(active.reset_all()).exec(db).await?;
    }
    Ok(())
}
