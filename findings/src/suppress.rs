//! Suppressions: findings of a kind on a record key stay `suppressed` across re-evaluations.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use zonetrail_model::entity::{finding_suppressions, findings};

use crate::{Kind, Status};

/// A suppression to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub kind: Kind,
    /// Without the `/hostedzone/` prefix.
    pub zone_id: String,
    /// The record name in its stored form (as `record_sets.name`).
    pub name: String,
    pub record_type: String,
    /// `""` for none.
    pub set_identifier: String,
    pub reason: String,
    pub created_by: String,
}

fn live_matching(
    kind: Kind,
    zone_id: &str,
    name: &str,
    record_type: &str,
    set_identifier: &str,
) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(findings::Column::Kind.eq(kind.as_str()))
        .add(findings::Column::ZoneId.eq(zone_id))
        .add(findings::Column::Name.eq(name))
        .add(findings::Column::RecordType.eq(record_type))
        .add(findings::Column::SetIdentifier.eq(set_identifier))
        .add(findings::Column::OpenKey.is_not_null())
}

/// Add (or replace the reason and author of) a suppression, and mark the matching open
/// findings `suppressed`. Returns how many findings it suppressed.
pub async fn suppress<C: ConnectionTrait>(
    db: &C,
    s: &Suppression,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let zone_id = s.zone_id.trim_start_matches("/hostedzone/");
    finding_suppressions::Entity::insert(finding_suppressions::ActiveModel {
        kind: Set(s.kind.as_str().to_owned()),
        zone_id: Set(zone_id.to_owned()),
        name: Set(s.name.clone()),
        record_type: Set(s.record_type.clone()),
        set_identifier: Set(s.set_identifier.clone()),
        reason: Set(s.reason.clone()),
        created_by: Set(s.created_by.clone()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            finding_suppressions::Column::Kind,
            finding_suppressions::Column::ZoneId,
            finding_suppressions::Column::Name,
            finding_suppressions::Column::RecordType,
            finding_suppressions::Column::SetIdentifier,
        ])
        .update_columns([
            finding_suppressions::Column::Reason,
            finding_suppressions::Column::CreatedBy,
            finding_suppressions::Column::CreatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let r = findings::Entity::update_many()
        .col_expr(findings::Column::Status, Expr::value(Status::Suppressed.as_str()))
        .filter(live_matching(s.kind, zone_id, &s.name, &s.record_type, &s.set_identifier))
        .filter(findings::Column::Status.eq(Status::Open.as_str()))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// Remove a suppression; its findings that are still live become `open` again. Returns
/// whether there was one.
pub async fn unsuppress<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    zone_id: &str,
    name: &str,
    record_type: &str,
    set_identifier: &str,
) -> Result<bool, DbErr> {
    let zone_id = zone_id.trim_start_matches("/hostedzone/");
    let r = finding_suppressions::Entity::delete_many()
        .filter(finding_suppressions::Column::Kind.eq(kind.as_str()))
        .filter(finding_suppressions::Column::ZoneId.eq(zone_id))
        .filter(finding_suppressions::Column::Name.eq(name))
        .filter(finding_suppressions::Column::RecordType.eq(record_type))
        .filter(finding_suppressions::Column::SetIdentifier.eq(set_identifier))
        .exec(db)
        .await?;
    findings::Entity::update_many()
        .col_expr(findings::Column::Status, Expr::value(Status::Open.as_str()))
        .filter(live_matching(kind, zone_id, name, record_type, set_identifier))
        .filter(findings::Column::Status.eq(Status::Suppressed.as_str()))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Every suppression, by zone, name, type, set identifier and kind.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<finding_suppressions::Model>, DbErr> {
    finding_suppressions::Entity::find()
        .order_by_asc(finding_suppressions::Column::ZoneId)
        .order_by_asc(finding_suppressions::Column::Name)
        .order_by_asc(finding_suppressions::Column::RecordType)
        .order_by_asc(finding_suppressions::Column::SetIdentifier)
        .order_by_asc(finding_suppressions::Column::Kind)
        .all(db)
        .await
}
