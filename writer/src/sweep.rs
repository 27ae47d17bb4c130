//! `sweep_done`: when every page of one zone's sweep is applied, the sweep's absences are
//! applied (reconciliation); until then the message fails so that the queue brings it back.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QuerySelect};
use zonetrail_model::entity::observation_origins::{self, Column as O};
use zonetrail_model::entity::record_observations::{self, Column as RO};
use zonetrail_model::entity::{sweep_pages, sweeps};
use zonetrail_model::{SweepDone, Timestamp, to_micros};

use crate::ApplyOptions;
use crate::error::ApplyError;
use crate::origin::{self, ZoneLock};
use crate::plan::Counts;
use crate::sequence::HORIZON;
use crate::sequence::NewOrigin;
use crate::store::IN_CHUNK;
use crate::{absence, validate};

/// What a `sweep_done` did.
#[derive(Debug)]
pub(crate) enum SweepStatus {
    Reconciled(Counts),
    /// Delivered again after reconciliation: nothing to do.
    AlreadyReconciled,
    /// Not every page is applied yet. The bookkeeping is kept; the message must come back.
    Incomplete(ApplyError),
}

pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    d: &SweepDone,
    now: Timestamp,
    options: &ApplyOptions,
) -> Result<SweepStatus, ApplyError> {
    validate::sweep_done(d, now)?;
    let existing = sweeps::Entity::find()
        .filter(sweeps::Column::SweepId.eq(d.sweep_id.as_str()))
        .filter(sweeps::Column::ZoneId.eq(d.zone_id.as_str()))
        .lock_exclusive()
        .one(db)
        .await?;
    if existing.as_ref().is_some_and(|s| s.reconciled_at.is_some()) {
        return Ok(SweepStatus::AlreadyReconciled);
    }

    let pages_applied = count_pages(db, d).await?;
    let (page_origins, records_applied) =
        origin::sweep_page_origins(db, &d.zone_id, &d.sweep_id).await?;
    let started_at = to_micros(d.started_at);
    record_sweep(db, d, started_at, pages_applied).await?;
    // Counted in observations, a page split over several messages counts only when every part
    // is in: the ingest's record_sets is the number of upserts it sent for the sweep.
    if pages_applied < u64::from(d.pages) || records_applied < d.record_sets {
        return Ok(SweepStatus::Incomplete(ApplyError::SweepIncomplete {
            zone_id: d.zone_id.clone(),
            sweep_id: d.sweep_id.clone(),
            pages_applied,
            pages_expected: d.pages.into(),
            record_sets_applied: records_applied,
            record_sets_expected: d.record_sets,
        }));
    }

    origin::lock_zone(db, &d.zone_id, ZoneLock::Exclusive).await?;
    let reconcile = origin::ensure(
        db,
        &NewOrigin::reconcile(&d.zone_id, &d.sweep_id, started_at, d.observed_at),
    )
    .await?;
    let absences = origin::zone_absences(db, &d.zone_id).await?;
    let counts =
        absence::apply(db, &d.zone_id, &reconcile, &absences, &page_origins, options).await?;

    let q = Query::update()
        .table(sweeps::Entity)
        .value(sweeps::Column::FinishedAt, to_micros(d.observed_at))
        .value(sweeps::Column::ReconciledAt, to_micros(Utc::now()))
        .value(sweeps::Column::Tombstoned, counts.tombstoned as i64)
        .and_where(Expr::col(sweeps::Column::SweepId).eq(d.sweep_id.as_str()))
        .and_where(Expr::col(sweeps::Column::ZoneId).eq(d.zone_id.as_str()))
        .to_owned();
    db.execute(&q).await?;
    compact(db, d, started_at).await?;
    Ok(SweepStatus::Reconciled(counts))
}

async fn count_pages(db: &impl ConnectionTrait, d: &SweepDone) -> Result<u64, ApplyError> {
    let q = Query::select()
        .expr_as(Func::count_distinct(Expr::col(sweep_pages::Column::Page)), Alias::new("n"))
        .from(sweep_pages::Entity)
        .and_where(Expr::col(sweep_pages::Column::SweepId).eq(d.sweep_id.as_str()))
        .and_where(Expr::col(sweep_pages::Column::ZoneId).eq(d.zone_id.as_str()))
        .to_owned();
    count(db, &q).await
}

async fn count(
    db: &impl ConnectionTrait,
    q: &sea_orm::sea_query::SelectStatement,
) -> Result<u64, ApplyError> {
    let row = db.query_one(q).await?;
    let n: i64 = match row {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(Ord::max(n, 0) as u64)
}

/// The sweep's row, as far as it is known: what the API shows of a sweep in progress.
async fn record_sweep(
    db: &impl ConnectionTrait,
    d: &SweepDone,
    started_at: Timestamp,
    pages_applied: u64,
) -> Result<(), ApplyError> {
    use sweeps::Column as C;
    let q = Query::insert()
        .into_table(sweeps::Entity)
        .columns([
            C::SweepId,
            C::ZoneId,
            C::StartedAt,
            C::PagesExpected,
            C::RecordSetsExpected,
            C::PagesApplied,
            C::Tombstoned,
        ])
        .values_panic([
            d.sweep_id.as_str().into(),
            d.zone_id.as_str().into(),
            started_at.into(),
            (d.pages as i32).into(),
            (d.record_sets as i64).into(),
            (Ord::min(pages_applied, i32::MAX as u64) as i32).into(),
            0i64.into(),
        ])
        .on_conflict(
            OnConflict::columns([C::SweepId, C::ZoneId])
                .update_columns([
                    C::StartedAt,
                    C::PagesExpected,
                    C::RecordSetsExpected,
                    C::PagesApplied,
                ])
                .to_owned(),
        )
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// Drop interior observations older than the horizon (run starts stay: they are the history),
/// and the origins nothing points at any more. Only origins that crossed the horizon since the
/// zone's previous reconciliation are visited, so the work per sweep stays bounded.
async fn compact(
    db: &impl ConnectionTrait,
    d: &SweepDone,
    started_at: Timestamp,
) -> Result<(), ApplyError> {
    let before = started_at - HORIZON;
    let previous = Query::select()
        .column(sweeps::Column::StartedAt)
        .from(sweeps::Entity)
        .and_where(Expr::col(sweeps::Column::ZoneId).eq(d.zone_id.as_str()))
        .and_where(Expr::col(sweeps::Column::ReconciledAt).is_not_null())
        .and_where(Expr::col(sweeps::Column::SweepId).ne(d.sweep_id.as_str()))
        .and_where(Expr::col(sweeps::Column::StartedAt).lt(started_at))
        .order_by(sweeps::Column::StartedAt, Order::Desc)
        .limit(1)
        .to_owned();
    let since: Option<Timestamp> = match db.query_one(&previous).await? {
        Some(r) => r.try_get::<Option<Timestamp>>("", "started_at")?.map(|t| t - HORIZON),
        None => None,
    };
    let mut old = Query::select()
        .column(O::Id)
        .from(observation_origins::Entity)
        .and_where(Expr::col(O::ZoneId).eq(d.zone_id.as_str()))
        .and_where(Expr::col(O::ObservedAt).lt(before))
        .to_owned();
    if let Some(since) = since {
        old.and_where(Expr::col(O::ObservedAt).gte(since));
    }
    let ids: Vec<i64> = db
        .query_all(&old)
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<_, _>>()?;
    for chunk in ids.chunks(IN_CHUNK) {
        let q = Query::delete()
            .from_table(record_observations::Entity)
            .and_where(Expr::col(RO::StartsRun).eq(false))
            .and_where(Expr::col(RO::OriginId).is_in(chunk.iter().copied()))
            .to_owned();
        db.execute(&q).await?;
        let referenced = Query::select()
            .column(RO::OriginId)
            .from(record_observations::Entity)
            .and_where(Expr::col(RO::OriginId).equals((observation_origins::Entity, O::Id)))
            .to_owned();
        let q = Query::delete()
            .from_table(observation_origins::Entity)
            .and_where(Expr::col(O::Id).is_in(chunk.iter().copied()))
            .and_where(Expr::exists(referenced).not())
            .to_owned();
        db.execute(&q).await?;
    }
    Ok(())
}
