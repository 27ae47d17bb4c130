//! A whole zone at one time, as the model's record sets: what the restore and the zone file
//! start from, for the routes and for `zonetrail export`.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Statement, Value};
use zonetrail_model::entity::hosted_zones;
use zonetrail_model::{AccountId, RecordName, RecordSet, Timestamp, ZoneId, to_micros};

use super::LAST_CHANGE;
use crate::{ApiError, ApiResult, coverage, timestamp};

/// A hosted zone and its record sets at one time.
#[derive(Debug, Clone)]
pub struct ZoneSnapshot {
    pub zone: hosted_zones::Model,
    pub zone_name: RecordName,
    /// `None`: the zone now.
    pub as_of: Option<Timestamp>,
    /// In `(name, id)` order.
    pub records: Vec<RecordSet>,
}

/// The zone `zone` with its record sets now (`as_of: None`: the live inventory, deleted record
/// sets left out) or as they were at `as_of` (the history, see the module documentation of
/// [`super`]). A zone zonetrail has never seen is a 404. The caller checks `as_of` first with
/// [`check_as_of`].
pub async fn zone_snapshot(
    db: &impl ConnectionTrait,
    zone: &ZoneId,
    as_of: Option<Timestamp>,
) -> ApiResult<ZoneSnapshot> {
    let Some(model) = hosted_zones::Entity::find_by_id(zone.as_str().to_owned()).one(db).await?
    else {
        return Err(ApiError::not_found(format!("no hosted zone {zone}")));
    };
    let zone_name = RecordName::parse(&model.name).map_err(|e| {
        ApiError::Database(sea_orm::DbErr::Custom(format!(
            "hosted_zones.name {:?} of {zone} does not parse: {e}",
            model.name
        )))
    })?;
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        state: Option<String>,
    }
    let backend = db.get_database_backend();
    let (sql, values): (String, Vec<Value>) = match as_of {
        None => (
            "SELECT rs.id, rs.content AS state FROM record_sets rs \
             WHERE rs.zone_id = ? AND rs.deleted_at IS NULL ORDER BY rs.name, rs.id"
                .to_owned(),
            vec![zone.as_str().into()],
        ),
        Some(t) => (
            format!(
                "SELECT rs.id, rc.after_state AS state FROM record_sets rs \
                 JOIN record_changes rc ON rc.id = {LAST_CHANGE} \
                 WHERE rs.zone_id = ? AND rc.action <> 'delete' ORDER BY rs.name, rs.id"
            ),
            vec![to_micros(t).into(), zone.as_str().into()],
        ),
    };
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut records = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = Row::from_query_result(r, "")?;
        match row.state.as_deref().map(serde_json::from_str::<RecordSet>) {
            Some(Ok(set)) => records.push(set),
            Some(Err(e)) => {
                tracing::warn!(row_id = row.id, error = %e, "stored record set JSON does not parse; left out of the zone snapshot");
            }
            None => {
                tracing::warn!(
                    row_id = row.id,
                    "record set without stored content; left out of the zone snapshot"
                );
            }
        }
    }
    Ok(ZoneSnapshot { zone: model, zone_name, as_of, records })
}

/// Parse a caller's time parameter (`name` names it in the message): RFC 3339, any offset.
pub fn parse_time(name: &str, raw: &str) -> ApiResult<Timestamp> {
    timestamp::parse(raw.trim()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{name} must be an RFC 3339 time such as 2026-11-22T09:00:00Z, got {raw:?}"
        ))
    })
}

/// Reject a time the history cannot answer for: one in the future (after `now`), or one
/// before the history window of `account` (of every account when `None`), whose start the
/// message names. With no window yet (no sweep has reported), any past time is accepted.
pub async fn check_as_of(
    db: &impl ConnectionTrait,
    name: &str,
    t: Timestamp,
    account: Option<&AccountId>,
    now: Timestamp,
) -> ApiResult<()> {
    if t > now {
        return Err(ApiError::bad_request(format!(
            "{name} {} is in the future (now is {}); the inventory as of the future is not known",
            timestamp::format(&t),
            timestamp::format(&now)
        )));
    }
    let window = coverage::window(coverage::account_windows(db, account).await?);
    if let Some(start) = window.complete_since.filter(|start| t < *start) {
        return Err(ApiError::bad_request(format!(
            "{name} {} is before the history window, which starts at {}: zonetrail's history \
             is complete only since then (a backfill can extend it up to 90 days back)",
            timestamp::format(&t),
            timestamp::format(&start)
        )));
    }
    Ok(())
}
