//! Applying a `records` message: upserts and deletes observed by a sweep page or an event.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{OnConflict, Query};
use zonetrail_model::entity::sweep_pages;
use zonetrail_model::{Origin, RecordsMessage, Timestamp, to_micros};

use crate::ApplyOptions;
use crate::error::ApplyError;
use crate::keyplan::{NewObs, fast_applies, fast_needs_content, plan_fast, plan_full};
use crate::origin::{self, ZoneLock};
use crate::plan::{Counts, Plan};
use crate::rebuild::{Item, rebuild};
use crate::sequence::{NewOrigin, Obs, OriginKind, horizon, part_digest};
use crate::store::{self, KeyCols};
use crate::validate;

pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    m: &RecordsMessage,
    now: Timestamp,
    options: &ApplyOptions,
) -> Result<Counts, ApplyError> {
    validate::observed_at(m.observed_at, now)?;
    validate::origin(&m.origin)?;
    let at = to_micros(m.observed_at);
    let new_origin = NewOrigin::from_message(
        &m.zone_id,
        at,
        &m.origin,
        OriginKind::Records,
        &part_digest(m),
        m.before_unknown,
    );
    // Observations are a set: a message applied before adds nothing. Its origin exists only
    // if it was applied in full, so a redelivery costs one read and writes nothing.
    if origin::find(db, &new_origin.row.key).await?.is_some() {
        return Ok(Counts {
            unchanged: (m.upserts.len() + m.deletes.len()) as u64,
            ..Counts::default()
        });
    }
    let incoming = validate::records(m, now)?;
    let origin = origin::ensure(db, &new_origin).await?;
    if origin.observations > 0 {
        // A concurrent delivery of the same message committed it while this one waited.
        return Ok(Counts {
            unchanged: (m.upserts.len() + m.deletes.len()) as u64,
            ..Counts::default()
        });
    }
    let keys: Vec<KeyCols> = incoming.iter().map(|i| KeyCols::of(&i.key)).collect();
    origin::lock_zone(db, &m.zone_id, ZoneLock::Shared).await?;
    let absences = origin::zone_absences(db, &m.zone_id).await?;
    let horizon = horizon(&absences);
    let mut plan = Plan::new(m.zone_id.clone(), options.outbox);
    let observations = incoming.len();
    let mut rows = store::lock_records(db, &m.zone_id, &keys).await?;

    // Which way each record goes; only changes and rebuilds need the stored content.
    enum Way {
        New,
        Fast,
        Slow,
    }
    let news: Vec<NewObs> = incoming
        .iter()
        .map(|inc| NewObs {
            obs: Obs { at, state: inc.state.clone(), origin: origin.clone() },
            content: inc.content.clone(),
        })
        .collect();
    let ways: Vec<Way> = keys
        .iter()
        .map(|cols| match rows.get(cols) {
            None => Way::New,
            Some(row) if !options.always_rebuild && fast_applies(row, at, &absences) => Way::Fast,
            Some(_) => Way::Slow,
        })
        .collect();
    let needs_content: std::collections::HashSet<&KeyCols> = keys
        .iter()
        .zip(&news)
        .zip(&ways)
        .filter(|((cols, new), way)| match way {
            Way::New => false,
            Way::Fast => rows.get(*cols).is_some_and(|row| fast_needs_content(row, &new.obs)),
            Way::Slow => true,
        })
        .map(|((cols, _), _)| cols)
        .collect();
    store::load_contents(
        db,
        rows.iter_mut().filter(|(k, _)| needs_content.contains(k)).map(|(_, r)| r),
    )
    .await?;

    let mut slow = Vec::new();
    for (((inc, cols), new), way) in incoming.into_iter().zip(&keys).zip(news).zip(ways) {
        match (way, rows.get(cols)) {
            (Way::Fast, Some(row)) => plan.push(plan_fast(&inc.key, row, &new)?),
            (Way::Slow, Some(row)) => slow.push(Item { key: inc.key, row, new: Some(new) }),
            _ => plan.push(plan_full(&inc.key, None, Some(&new), &absences, horizon)?),
        }
    }
    rebuild(db, &mut plan, slow, &absences, horizon).await?;
    let counts = plan.execute(db).await?;
    if observations > 0 {
        origin::set_observations(db, origin.id, observations).await?;
    }

    if let Origin::Sweep { sweep_id, page } = &m.origin {
        use sweep_pages::Column as C;
        let q = Query::insert()
            .into_table(sweep_pages::Entity)
            .columns([C::SweepId, C::ZoneId, C::Page, C::AppliedAt])
            .values_panic([
                sweep_id.as_str().into(),
                m.zone_id.as_str().into(),
                (*page as i32).into(),
                to_micros(now).into(),
            ])
            .on_conflict(
                OnConflict::columns([C::SweepId, C::ZoneId, C::Page])
                    .do_nothing_on([C::SweepId])
                    .to_owned(),
            )
            .to_owned();
        db.execute(&q).await?;
    }
    Ok(counts)
}
