//! Queries of origins (`observation_origins`) and of the zone locks. The origins as values
//! ([`OriginRow`], [`NewOrigin`]) are in [`crate::sequence`].

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::sync::Arc;
use zonetrail_model::entity::{observation_origins as origins, zone_locks};
use zonetrail_model::{Timestamp, ZoneId};

use crate::sequence::{HORIZON, NewOrigin, OriginKind, OriginRow, PageOrigin, Source};
use crate::tables::IN_CHUNK;
use origins::Column as C;

/// The stored origin with this key, if any (a plain read: a redelivery writes nothing).
pub(crate) async fn find(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<Arc<OriginRow>>, DbErr> {
    let row = origins::Entity::find().filter(C::OriginKey.eq(key)).one(db).await?;
    row.map(|r| decode(r).map(Arc::new)).transpose()
}

/// Store the origin if it is new and return it with its id.
pub(crate) async fn ensure(
    db: &impl ConnectionTrait,
    new: &NewOrigin,
) -> Result<Arc<OriginRow>, DbErr> {
    let r = &new.row;
    let row = origins::ActiveModel {
        origin_key: Set(r.key.clone()),
        zone_id: Set(new.zone_id.as_str().to_owned()),
        kind: Set(r.kind.as_str().to_owned()),
        source: Set(r.source.as_str().to_owned()),
        observed_at: Set(r.observed_at),
        window_end: Set(r.window_end),
        sweep_id: Set(r.sweep_id.clone()),
        page: Set(r.page),
        event_id: Set(r.event_id.clone()),
        event_name: Set(r.event_name.clone()),
        actor: Set(r.actor.clone()),
        actor_role: Set(r.actor_role.clone()),
        via: Set(r.via.clone()),
        before_unknown: Set(r.before_unknown),
        comment: Set(r.comment.clone()),
        ..Default::default()
    };
    origins::Entity::insert(row)
        .on_conflict(OnConflict::column(C::OriginKey).do_nothing_on([C::OriginKey]).to_owned())
        .exec_without_returning(db)
        .await?;
    // A locking read sees the row a concurrent delivery of the same message committed while
    // this insert waited for it (a plain read would keep this transaction's snapshot).
    let row = origins::Entity::find()
        .filter(C::OriginKey.eq(r.key.as_str()))
        .lock_shared()
        .one(db)
        .await?
        .ok_or_else(|| {
            DbErr::RecordNotFound(format!(
                "origin {} was just stored but cannot be read back",
                r.key
            ))
        })?;
    Ok(Arc::new(decode(row)?))
}

/// The zone-wide absences of a zone (reconciled sweeps and deletions) within the retention
/// horizon, oldest first: a sweep every three hours gives about 120.
pub(crate) async fn zone_absences(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
) -> Result<Vec<Arc<OriginRow>>, DbErr> {
    let kinds = [
        OriginKind::Reconcile.as_str(),
        OriginKind::ZoneDeleted.as_str(),
        OriginKind::ZoneListed.as_str(),
    ];
    let absences = || {
        origins::Entity::find().filter(C::ZoneId.eq(zone_id.as_str())).filter(C::Kind.is_in(kinds))
    };
    // Locking reads: they see absences committed a moment ago, and keep a concurrent
    // reconciliation of this zone from adding one until this transaction ends.
    let newest: Option<Timestamp> = absences()
        .select_only()
        .column(C::ObservedAt)
        .order_by_desc(C::ObservedAt)
        .limit(1)
        .lock_shared()
        .into_tuple()
        .one(db)
        .await?;
    let Some(newest) = newest else {
        return Ok(Vec::new());
    };
    let rows = absences()
        .filter(C::ObservedAt.gte(newest - HORIZON))
        .order_by_asc(C::ObservedAt)
        .lock_shared()
        .all(db)
        .await?;
    rows.into_iter().map(|r| decode(r).map(Arc::new)).collect()
}

/// Origins by id.
pub(crate) async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<Arc<OriginRow>>, DbErr> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let rows =
            origins::Entity::find().filter(C::Id.is_in(chunk.iter().copied())).all(db).await?;
        for r in rows {
            out.push(Arc::new(decode(r)?));
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
    origins::Entity::update_many()
        .col_expr(C::Observations, Expr::value(observations as i64))
        .filter(C::Id.eq(origin_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The record origins (pages) of one zone's sweep, and how many record observations they made.
pub(crate) async fn sweep_page_origins(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    sweep_id: &str,
) -> Result<(Vec<PageOrigin>, u64), DbErr> {
    let rows: Vec<(i64, i64)> = origins::Entity::find()
        .select_only()
        .columns([C::Id, C::Observations])
        .filter(C::SweepId.eq(sweep_id))
        .filter(C::ZoneId.eq(zone_id.as_str()))
        .filter(C::Kind.eq(OriginKind::Records.as_str()))
        .filter(C::Source.eq(Source::Sweep.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let observations = rows.iter().map(|(_, n)| Ord::max(*n, 0) as u64).sum();
    Ok((rows.into_iter().map(|(id, _)| PageOrigin { id }).collect(), observations))
}

fn decode(r: origins::Model) -> Result<OriginRow, DbErr> {
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
        via: r.via,
        before_unknown: r.before_unknown,
        comment: r.comment,
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
    lock_key(db, zone_id.as_str(), how).await
}

/// The lock of an account's set of zones, a `zone_locks` row named `account/<id>` (no zone id
/// has a slash): a `zones_listed` holds it exclusive, a message that may give a zone its
/// account shared. Always taken before any zone lock.
pub(crate) async fn lock_account(
    db: &impl ConnectionTrait,
    account_id: &str,
    how: ZoneLock,
) -> Result<(), DbErr> {
    lock_key(db, &format!("account/{account_id}"), how).await
}

async fn lock_key(db: &impl ConnectionTrait, key: &str, how: ZoneLock) -> Result<(), DbErr> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::MySql {
        return Ok(());
    }
    let select = || {
        let q = zone_locks::Entity::find_by_id(key.to_owned());
        match how {
            ZoneLock::Shared => q.lock_shared(),
            ZoneLock::Exclusive => q.lock_exclusive(),
        }
    };
    if select().one(db).await?.is_some() {
        return Ok(());
    }
    // The zone's first message: make the row (a concurrent first message waits here for it).
    let row = zone_locks::ActiveModel { zone_id: Set(key.to_owned()) };
    zone_locks::Entity::insert(row)
        .on_conflict(
            OnConflict::column(zone_locks::Column::ZoneId)
                .do_nothing_on([zone_locks::Column::ZoneId])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    select().one(db).await?;
    Ok(())
}
