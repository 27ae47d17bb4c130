//! Queries of origins (`observation_origins`) and of the zone locks. The origins as values
//! ([`OriginRow`], [`NewOrigin`]) are in [`crate::sequence`].

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Order, QueryResult};
use std::sync::Arc;
use zonetrail_model::{Timestamp, ZoneId};

use crate::sequence::{HORIZON, NewOrigin, OriginKind, OriginRow, PageOrigin, Source};
use crate::tables::{IN_CHUNK, ObservationOrigins as O, ZoneLocks};

/// The stored origin with this key, if any (a plain read: a redelivery writes nothing).
pub(crate) async fn find(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<Arc<OriginRow>>, DbErr> {
    let select = select_origins().and_where(Expr::col(O::OriginKey).eq(key)).to_owned();
    match db.query_one(&select).await? {
        Some(row) => Ok(Some(Arc::new(decode(&row)?))),
        None => Ok(None),
    }
}

/// Store the origin if it is new and return it with its id.
pub(crate) async fn ensure(
    db: &impl ConnectionTrait,
    new: &NewOrigin,
) -> Result<Arc<OriginRow>, DbErr> {
    let r = &new.row;
    let insert = Query::insert()
        .into_table(O::Table)
        .columns([
            O::OriginKey,
            O::ZoneId,
            O::Kind,
            O::Source,
            O::ObservedAt,
            O::WindowEnd,
            O::SweepId,
            O::Page,
            O::EventId,
            O::EventName,
            O::Actor,
            O::ActorRole,
        ])
        .values_panic([
            r.key.clone().into(),
            new.zone_id.as_str().into(),
            r.kind.as_str().into(),
            r.source.as_str().into(),
            r.observed_at.into(),
            r.window_end.into(),
            r.sweep_id.clone().into(),
            r.page.into(),
            r.event_id.clone().into(),
            r.event_name.clone().into(),
            r.actor.clone().into(),
            r.actor_role.clone().into(),
        ])
        .on_conflict(OnConflict::column(O::OriginKey).do_nothing_on([O::OriginKey]).to_owned())
        .to_owned();
    db.execute(&insert).await?;
    // A locking read sees the row a concurrent delivery of the same message committed while
    // this insert waited for it (a plain read would keep this transaction's snapshot).
    let select = select_origins()
        .and_where(Expr::col(O::OriginKey).eq(r.key.as_str()))
        .lock_shared()
        .to_owned();
    let row = db.query_one(&select).await?.ok_or_else(|| {
        DbErr::RecordNotFound(format!("origin {} was just stored but cannot be read back", r.key))
    })?;
    Ok(Arc::new(decode(&row)?))
}

/// The zone-wide absences of a zone (reconciled sweeps and deletions) within the retention
/// horizon, oldest first: a sweep every three hours gives about 120.
pub(crate) async fn zone_absences(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
) -> Result<Vec<Arc<OriginRow>>, DbErr> {
    let kinds = [OriginKind::Reconcile.as_str(), OriginKind::ZoneDeleted.as_str()];
    // Locking reads: they see absences committed a moment ago, and keep a concurrent
    // reconciliation of this zone from adding one until this transaction ends.
    let newest = Query::select()
        .column(O::ObservedAt)
        .from(O::Table)
        .and_where(Expr::col(O::ZoneId).eq(zone_id.as_str()))
        .and_where(Expr::col(O::Kind).is_in(kinds))
        .order_by(O::ObservedAt, Order::Desc)
        .limit(1)
        .lock_shared()
        .to_owned();
    let Some(newest) = db.query_one(&newest).await? else {
        return Ok(Vec::new());
    };
    let newest: Timestamp = newest.try_get("", "observed_at")?;
    let select = select_origins()
        .and_where(Expr::col(O::ZoneId).eq(zone_id.as_str()))
        .and_where(Expr::col(O::Kind).is_in(kinds))
        .and_where(Expr::col(O::ObservedAt).gte(newest - HORIZON))
        .order_by(O::ObservedAt, Order::Asc)
        .lock_shared()
        .to_owned();
    db.query_all(&select).await?.iter().map(|r| decode(r).map(Arc::new)).collect()
}

/// Origins by id.
pub(crate) async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<Arc<OriginRow>>, DbErr> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let select =
            select_origins().and_where(Expr::col(O::Id).is_in(chunk.iter().copied())).to_owned();
        for r in db.query_all(&select).await? {
            out.push(Arc::new(decode(&r)?));
        }
    }
    Ok(out)
}

/// Store how many record observations a records message made. Written last, in the
/// message's transaction: an origin whose count is not 0 was applied.
pub(crate) async fn set_observations(
    db: &impl ConnectionTrait,
    origin_id: i64,
    observations: usize,
) -> Result<(), DbErr> {
    let q = Query::update()
        .table(O::Table)
        .value(O::Observations, observations as i64)
        .and_where(Expr::col(O::Id).eq(origin_id))
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// The record origins (pages) of one zone's sweep, and how many record observations they made.
pub(crate) async fn sweep_page_origins(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    sweep_id: &str,
) -> Result<(Vec<PageOrigin>, u64), DbErr> {
    let select = Query::select()
        .columns([O::Id, O::Observations])
        .from(O::Table)
        .and_where(Expr::col(O::SweepId).eq(sweep_id))
        .and_where(Expr::col(O::ZoneId).eq(zone_id.as_str()))
        .and_where(Expr::col(O::Kind).eq(OriginKind::Records.as_str()))
        .and_where(Expr::col(O::Source).eq(Source::Sweep.as_str()))
        .to_owned();
    let mut pages = Vec::new();
    let mut observations: u64 = 0;
    for r in db.query_all(&select).await? {
        pages.push(PageOrigin { id: r.try_get("", "id")? });
        observations += Ord::max(r.try_get::<i64>("", "observations")?, 0) as u64;
    }
    Ok((pages, observations))
}

fn select_origins() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .columns([
            O::Id,
            O::OriginKey,
            O::Kind,
            O::Source,
            O::ObservedAt,
            O::WindowEnd,
            O::SweepId,
            O::Page,
            O::EventId,
            O::EventName,
            O::Actor,
            O::ActorRole,
            O::Observations,
        ])
        .from(O::Table)
        .to_owned()
}

#[derive(FromQueryResult)]
struct RawOrigin {
    id: i64,
    origin_key: String,
    kind: String,
    source: String,
    observed_at: Timestamp,
    window_end: Option<Timestamp>,
    sweep_id: Option<String>,
    page: Option<i32>,
    event_id: Option<String>,
    event_name: Option<String>,
    actor: Option<String>,
    actor_role: Option<String>,
    observations: i64,
}

fn decode(row: &QueryResult) -> Result<OriginRow, DbErr> {
    let r = RawOrigin::from_query_result(row, "")?;
    let bad = |what: &str, v: &str| DbErr::Type(format!("observation_origins.{what} holds {v:?}"));
    Ok(OriginRow {
        id: r.id,
        kind: OriginKind::parse(&r.kind).ok_or_else(|| bad("kind", &r.kind))?,
        source: Source::parse(&r.source).ok_or_else(|| bad("source", &r.source))?,
        key: r.origin_key,
        observed_at: r.observed_at,
        window_end: r.window_end,
        sweep_id: r.sweep_id,
        page: r.page,
        event_id: r.event_id,
        event_name: r.event_name,
        actor: r.actor,
        actor_role: r.actor_role,
        observations: r.observations,
    })
}

/// How a message holds its zone's lock ([`lock_zone`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZoneLock {
    /// Messages that read the zone's absences: any number at once.
    Shared,
    /// Messages that add an absence (a reconciliation, a zone deletion): alone.
    Exclusive,
}

/// Take the zone's lock until the transaction ends (MySQL; SQLite's write lock already
/// serialises writers). Writers run at READ COMMITTED, which takes no gap locks, so without
/// it a message could read the absences, then a reconciliation of the same zone commit a new
/// one, and the message apply its fast path as if there were none.
pub(crate) async fn lock_zone(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    how: ZoneLock,
) -> Result<(), DbErr> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::MySql {
        return Ok(());
    }
    let select = || {
        let mut q = Query::select()
            .column(ZoneLocks::ZoneId)
            .from(ZoneLocks::Table)
            .and_where(Expr::col(ZoneLocks::ZoneId).eq(zone_id.as_str()))
            .to_owned();
        match how {
            ZoneLock::Shared => q.lock_shared(),
            ZoneLock::Exclusive => q.lock_exclusive(),
        };
        q
    };
    if db.query_one(&select()).await?.is_some() {
        return Ok(());
    }
    // The zone's first message: make the row (a concurrent first message waits here for it).
    let insert = Query::insert()
        .into_table(ZoneLocks::Table)
        .columns([ZoneLocks::ZoneId])
        .values_panic([zone_id.as_str().into()])
        .on_conflict(
            OnConflict::column(ZoneLocks::ZoneId).do_nothing_on([ZoneLocks::ZoneId]).to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    db.query_one(&select()).await?;
    Ok(())
}
