//! Backfill progress (issue 17): how far each account's CloudTrail backfill has read.
//!
//! A `backfill_progress` message upserts its (`account_id`, `backfill_id`) row. The row keeps
//! the most advanced progress it has been sent, by (`pages`, `done`, `observed_at`): a backfill
//! sends its progress after each page, so a duplicate or a late message is never ahead of the
//! stored one and changes nothing. [`windows`] reads the rows back for the backfill itself
//! (what to resume, what not to read again) and for the API (the history window).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use zonetrail_model::entity::backfill_progress as rows;
use zonetrail_model::{AccountId, BackfillCounts, BackfillProgress, Timestamp, to_micros};

use crate::error::ApplyError;
use crate::validate;

pub(crate) async fn progress(
    db: &impl ConnectionTrait,
    p: &BackfillProgress,
    now: Timestamp,
) -> Result<(), ApplyError> {
    validate::backfill_progress(p, now)?;
    let stored =
        rows::Entity::find_by_id((p.account_id.as_str().to_owned(), p.backfill_id.clone()))
            .lock_exclusive()
            .one(db)
            .await?;
    let new = to_row(p, stored.as_ref().map(|r| r.started_at).unwrap_or_else(|| to_micros(now)));
    match stored {
        None => {
            // A concurrent first progress of the same window fails this one with a duplicate
            // key; the message is tried again (`ApplyError::is_conflict`) and then merges.
            rows::Entity::insert(rows::ActiveModel::from(new)).exec_without_returning(db).await?;
        }
        Some(old) => {
            let rank = |r: &rows::Model| (r.pages, r.done, r.observed_at);
            if rank(&new) > rank(&old) {
                let active: rows::ActiveModel = new.into();
                rows::Entity::update(active.reset_all()).exec(db).await?;
            }
        }
    }
    Ok(())
}

fn to_row(p: &BackfillProgress, started_at: Timestamp) -> rows::Model {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    rows::Model {
        account_id: p.account_id.as_str().to_owned(),
        backfill_id: p.backfill_id.clone(),
        since: to_micros(p.since),
        until: to_micros(p.until),
        read_until: to_micros(p.read_until),
        next_token: if p.done { None } else { p.next_token.clone() },
        done: p.done,
        pages: n(p.pages),
        events: n(p.counts.events),
        applied: n(p.counts.applied),
        failed_calls: n(p.counts.failed_calls),
        incomplete: n(p.counts.incomplete),
        malformed: n(p.counts.malformed),
        ignored: n(p.counts.ignored),
        observed_at: to_micros(p.observed_at),
        started_at,
    }
}

/// A stored window as the message that stored it (`observed_at` is the progress's time).
pub fn from_row(r: &rows::Model) -> Result<BackfillProgress, DbErr> {
    let account_id = AccountId::parse(&r.account_id).map_err(|e| {
        DbErr::Type(format!("backfill_progress.account_id holds {:?}: {e}", r.account_id))
    })?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(BackfillProgress {
        account_id,
        backfill_id: r.backfill_id.clone(),
        since: r.since,
        until: r.until,
        read_until: r.read_until,
        next_token: r.next_token.clone(),
        done: r.done,
        pages: n(r.pages),
        counts: BackfillCounts {
            events: n(r.events),
            applied: n(r.applied),
            failed_calls: n(r.failed_calls),
            incomplete: n(r.incomplete),
            malformed: n(r.malformed),
            ignored: n(r.ignored),
        },
        observed_at: r.observed_at,
    })
}

/// Every stored window of an account, oldest `since` first.
pub async fn windows(
    db: &impl ConnectionTrait,
    account_id: &AccountId,
) -> Result<Vec<BackfillProgress>, DbErr> {
    let found = rows::Entity::find()
        .filter(rows::Column::AccountId.eq(account_id.as_str()))
        .order_by_asc(rows::Column::Since)
        .order_by_asc(rows::Column::BackfillId)
        .all(db)
        .await?;
    found.iter().map(from_row).collect()
}

/// Every stored window of every account, by account then `since`.
pub async fn all_windows(db: &impl ConnectionTrait) -> Result<Vec<rows::Model>, DbErr> {
    rows::Entity::find()
        .order_by_asc(rows::Column::AccountId)
        .order_by_asc(rows::Column::Since)
        .order_by_asc(rows::Column::BackfillId)
        .all(db)
        .await
}
