//! Applying a `records` message: upserts and deletes observed by a sweep page or an event.

use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::ConnectionTrait;
use zonetrail_model::entity::sweep_pages;
use zonetrail_model::{Origin, RecordsMessage, Timestamp, to_micros};

use crate::ApplyOptions;
use crate::error::ApplyError;
use crate::keyplan::{NewObs, fast_applies, plan_fast, plan_full};
use crate::origin::{self, NewOrigin, OriginKind};
use crate::plan::{Counts, Plan};
use crate::rebuild::{Item, rebuild};
use crate::sequence::{Obs, horizon};
use crate::store::{self, KeyCols};
use crate::validate;

pub(crate) async fn apply(db: &impl ConnectionTrait, m: &RecordsMessage, now: Timestamp, options: ApplyOptions) -> Result<Counts, ApplyError> {
    validate::observed_at(m.observed_at, now)?;
    validate::origin(&m.origin)?;
    let at = to_micros(m.observed_at);
    let new_origin = NewOrigin::from_message(&m.zone_id, at, &m.origin, OriginKind::Records, &origin::part_digest(m));
    // Observations are a set: a message applied before adds nothing. Its origin exists only
    // if it was applied in full, so a redelivery costs one read and writes nothing.
    if origin::find(db, &new_origin.row.key).await?.is_some() {
        return Ok(Counts { unchanged: (m.upserts.len() + m.deletes.len()) as u64, ..Counts::default() });
    }
    let incoming = validate::records(m, now)?;
    let origin = origin::ensure(db, &new_origin).await?;
    let keys: Vec<KeyCols> = incoming.iter().map(|i| KeyCols::of(&i.key)).collect();
    let absences = origin::zone_absences(db, &m.zone_id).await?;
    let horizon = horizon(&absences);
    let rows = store::lock_records(db, &m.zone_id, &keys).await?;

    let mut plan = Plan::new(m.zone_id.clone());
    let mut slow = Vec::new();
    for (inc, cols) in incoming.into_iter().zip(&keys) {
        let new = NewObs { obs: Obs { at, state: inc.state, origin: origin.clone() }, content: inc.content };
        match rows.get(cols) {
            None => plan.push(plan_full(&inc.key, None, Some(&new), &absences, horizon)?),
            Some(row) if !options.always_rebuild && fast_applies(row, at, &absences) => plan.push(plan_fast(&inc.key, row, &new)?),
            Some(row) => slow.push(Item { key: inc.key, row, new: Some(new) }),
        }
    }
    rebuild(db, &mut plan, slow, &absences, horizon).await?;
    let counts = plan.execute(db).await?;

    if let Origin::Sweep { sweep_id, page } = &m.origin {
        use sweep_pages::Column as C;
        let q = Query::insert()
            .into_table(sweep_pages::Entity)
            .columns([C::SweepId, C::ZoneId, C::Page, C::AppliedAt])
            .values_panic([sweep_id.as_str().into(), m.zone_id.as_str().into(), (*page as i32).into(), to_micros(now).into()])
            .on_conflict(OnConflict::columns([C::SweepId, C::ZoneId, C::Page]).do_nothing_on([C::SweepId]).to_owned())
            .to_owned();
        db.execute(&q).await?;
    }
    Ok(counts)
}
