//! `zone` messages: a hosted zone observed present (its description) or deleted.
//!
//! The zone row follows the same rule as records: the newest description wins (equal times
//! break on the canonical JSON), the newest deletion wins over a description observed at or
//! before it. Deletions are stored as zone-wide absences, so a description that arrives late
//! still finds the zone deleted; and a deletion tombstones every record of the zone.

use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, OnConflict, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::sync::Arc;
use zonetrail_model::entity::hosted_zones;
use zonetrail_model::{
    HostedZone, RecordName, Timestamp, Vpc, ZoneChange, ZoneId, ZoneMessage, to_micros,
};

use crate::ApplyOptions;
use crate::error::ApplyError;
use crate::origin::{self, ZoneLock};
use crate::plan::Counts;
use crate::sequence::{NewOrigin, OriginKind, OriginRow};
use crate::tables::HostedZonesExt;
use crate::{absence, validate};

pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    m: &ZoneMessage,
    now: Timestamp,
    options: &ApplyOptions,
    account: Option<&str>,
) -> Result<Counts, ApplyError> {
    validate::zone(m, now)?;
    let at = to_micros(m.observed_at);
    match &m.change {
        ZoneChange::Present(zone) => {
            origin::lock_zone(db, &m.zone_id, ZoneLock::Shared).await?;
            let absences = origin::zone_absences(db, &m.zone_id).await?;
            update_row(db, &m.zone_id, Some((zone, at)), &absences, account).await?;
            Ok(Counts::default())
        }
        ZoneChange::Deleted => {
            origin::lock_zone(db, &m.zone_id, ZoneLock::Exclusive).await?;
            let deletion = origin::ensure(
                db,
                &NewOrigin::from_message(
                    &m.zone_id,
                    at,
                    &m.origin,
                    OriginKind::ZoneDeleted,
                    "",
                    false,
                ),
            )
            .await?;
            let absences = origin::zone_absences(db, &m.zone_id).await?;
            update_row(db, &m.zone_id, None, &absences, account).await?;
            absence::apply(db, &m.zone_id, &deletion, &absences, &[], options).await
        }
    }
}

#[derive(FromQueryResult)]
struct ZoneRow {
    name: String,
    private_zone: bool,
    comment: Option<String>,
    vpcs: String,
    record_count: Option<i64>,
    observed_at: Timestamp,
    first_seen_at: Timestamp,
    present_observed_at: Option<Timestamp>,
}

impl ZoneRow {
    fn description(&self, id: &ZoneId) -> Result<HostedZone, ApplyError> {
        let bad = |e: String| ApplyError::Inconsistent(format!("hosted_zones {id}: {e}"));
        Ok(HostedZone {
            id: id.clone(),
            name: RecordName::parse(&self.name).map_err(|e| bad(e.to_string()))?,
            private: self.private_zone,
            comment: self.comment.clone(),
            vpcs: serde_json::from_str::<Vec<Vpc>>(&self.vpcs).map_err(|e| bad(e.to_string()))?,
            record_count: self.record_count,
        }
        .normalize())
    }
}

fn canonical(zone: &HostedZone) -> String {
    serde_json::to_string(&zone.clone().normalize()).expect("a HostedZone always serialises")
}

/// Bring the zone's row in line with its newest description and its absences. A row it
/// creates gets `account` (a stored row keeps its own: see [`crate::account`]).
pub(crate) async fn update_row(
    db: &impl ConnectionTrait,
    id: &ZoneId,
    present: Option<(&HostedZone, Timestamp)>,
    absences: &[Arc<OriginRow>],
    account: Option<&str>,
) -> Result<(), ApplyError> {
    use hosted_zones::Column as C;
    let select = Query::select()
        .columns([
            C::Name,
            C::PrivateZone,
            C::Comment,
            C::Vpcs,
            C::RecordCount,
            C::ObservedAt,
            C::FirstSeenAt,
        ])
        .column(HostedZonesExt::PresentObservedAt)
        .from(hosted_zones::Entity)
        .and_where(Expr::col(C::Id).eq(id.as_str()))
        .lock_exclusive()
        .to_owned();
    let row = match db.query_one(&select).await? {
        Some(r) => Some(ZoneRow::from_query_result(&r, "")?),
        None => None,
    };

    let (description, present_at, first_seen_at) = match (&row, present) {
        (None, None) => return Ok(()), // a zone never described: its records carry the deletion
        (None, Some((zone, at))) => (zone.clone().normalize(), at, at),
        (Some(r), new) => {
            let stored = r.description(id)?;
            let stored_at = r.present_observed_at.unwrap_or(r.observed_at);
            match new {
                Some((zone, at))
                    if at > stored_at
                        || (at == stored_at && canonical(zone) > canonical(&stored)) =>
                {
                    (zone.clone().normalize(), at, Ord::min(r.first_seen_at, at))
                }
                Some((_, at)) => (stored, stored_at, Ord::min(r.first_seen_at, at)),
                None => (stored, stored_at, r.first_seen_at),
            }
        }
    };
    // A deletion wins over a description observed at or before it; a listing that left the
    // zone out only over one observed before its start (one observed in its window or later
    // was seen by something at least as new as the listing).
    let deleted_at = absences
        .iter()
        .filter(|a| match a.kind {
            OriginKind::ZoneDeleted => a.observed_at >= present_at,
            OriginKind::ZoneListed => a.observed_at > present_at,
            _ => false,
        })
        .map(|a| a.observed_at)
        .max();
    let observed_at = deleted_at.map_or(present_at, |d| Ord::max(d, present_at));
    let vpcs = serde_json::to_string(&description.vpcs).expect("VPCs always serialise");
    let q = Query::insert()
        .into_table(hosted_zones::Entity)
        .columns([
            C::Id.into_iden(),
            C::Name.into_iden(),
            C::PrivateZone.into_iden(),
            C::Comment.into_iden(),
            C::Vpcs.into_iden(),
            C::RecordCount.into_iden(),
            C::ObservedAt.into_iden(),
            C::FirstSeenAt.into_iden(),
            C::DeletedAt.into_iden(),
            HostedZonesExt::PresentObservedAt.into_iden(),
            C::AccountId.into_iden(),
        ])
        .values_panic([
            id.as_str().into(),
            description.name.as_str().into(),
            description.private.into(),
            description.comment.clone().into(),
            vpcs.into(),
            description.record_count.into(),
            observed_at.into(),
            first_seen_at.into(),
            deleted_at.into(),
            present_at.into(),
            account.map(str::to_owned).into(),
        ])
        .on_conflict(
            OnConflict::column(C::Id)
                .update_columns([
                    C::Name,
                    C::PrivateZone,
                    C::Comment,
                    C::Vpcs,
                    C::RecordCount,
                    C::ObservedAt,
                    C::FirstSeenAt,
                    C::DeletedAt,
                ])
                .update_column(HostedZonesExt::PresentObservedAt)
                .to_owned(),
        )
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}
