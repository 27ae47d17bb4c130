//! Annotation writes: set or clear the annotation of a key, and keep the edit.
//!
//! Each write is one transaction: read the key's row (locked on MySQL), write the new state,
//! and add an `annotation_changes` row with before, after, who and when. Concurrent edits of
//! one key: the last write wins and every edit is kept. Two first writes of a key race on
//! the unique key; the loser (a duplicate key, or a deadlock victim on MySQL's gap locks)
//! runs again and finds the winner's row.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use zonetrail_model::entity::{annotation_changes, annotations};

use super::{Annotation, AnnotationFields};
use crate::ApiResult;

/// What an annotation is attached to: a record key, or a zone (`name` and `record_type`
/// empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub zone_id: String,
    pub name: String,
    pub record_type: String,
    /// `''` for none.
    pub set_identifier: String,
}

impl Key {
    pub fn zone(zone_id: &str) -> Self {
        Self {
            zone_id: zone_id.to_owned(),
            name: String::new(),
            record_type: String::new(),
            set_identifier: String::new(),
        }
    }

    pub fn is_zone(&self) -> bool {
        self.name.is_empty()
    }
}

/// How many times a write is tried when it loses a race.
const ATTEMPTS: usize = 4;

impl From<annotations::Model> for Annotation {
    fn from(m: annotations::Model) -> Self {
        Self {
            fields: AnnotationFields {
                owner: m.owner,
                team: m.team,
                ticket: m.ticket,
                notes: m.notes,
            },
            version: m.version,
            updated_by: m.updated_by,
            updated_at: m.updated_at,
        }
    }
}

/// The annotation of this key, if it has one.
pub async fn get(db: &impl ConnectionTrait, key: &Key) -> ApiResult<Option<Annotation>> {
    Ok(find(key).one(db).await?.map(Annotation::from))
}

fn find(key: &Key) -> sea_orm::Select<annotations::Entity> {
    annotations::Entity::find()
        .filter(annotations::Column::ZoneId.eq(key.zone_id.as_str()))
        .filter(annotations::Column::Name.eq(key.name.as_str()))
        .filter(annotations::Column::RecordType.eq(key.record_type.as_str()))
        .filter(annotations::Column::SetIdentifier.eq(key.set_identifier.as_str()))
}

/// Set the annotation of `key` to `fields`, as `actor`. Setting what is already there
/// changes nothing and keeps no edit.
pub async fn set(
    db: &DatabaseConnection,
    key: &Key,
    fields: &AnnotationFields,
    actor: &str,
) -> ApiResult<Annotation> {
    retry(|| set_once(db, key, fields, actor)).await
}

/// Clear the annotation of `key`, as `actor`. `false`: it had none (nothing is kept).
pub async fn clear(db: &DatabaseConnection, key: &Key, actor: &str) -> ApiResult<bool> {
    retry(|| clear_once(db, key, actor)).await
}

async fn retry<T, F, Fut>(mut attempt: F) -> ApiResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) if tries < ATTEMPTS && lost_race(&e) => {
                tracing::info!(error = %e, tries, "annotation write lost a race; running it again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn lost_race(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
        || matches!(zonetrail_model::db::mysql_error_number(e), Some(1213 | 1205))
        || e.to_string().contains("database is locked")
}

async fn locked_row<C: ConnectionTrait>(
    txn: &C,
    key: &Key,
) -> Result<Option<annotations::Model>, DbErr> {
    let mut q = find(key);
    if txn.get_database_backend() == DatabaseBackend::MySql {
        q = q.lock_exclusive();
    }
    q.one(txn).await
}

/// The version the next edit of a key without a row gets: one past its last kept edit.
async fn next_version<C: ConnectionTrait>(txn: &C, key: &Key) -> Result<i64, DbErr> {
    let mut s = Query::select();
    s.expr_as(Expr::col(annotation_changes::Column::Version).max(), "v")
        .from(annotation_changes::Entity)
        .and_where(Expr::col(annotation_changes::Column::ZoneId).eq(key.zone_id.as_str()))
        .and_where(Expr::col(annotation_changes::Column::Name).eq(key.name.as_str()))
        .and_where(Expr::col(annotation_changes::Column::RecordType).eq(key.record_type.as_str()))
        .and_where(
            Expr::col(annotation_changes::Column::SetIdentifier).eq(key.set_identifier.as_str()),
        );
    let last = match txn.query_one(&s).await? {
        Some(row) => row.try_get::<Option<i64>>("", "v")?,
        None => None,
    };
    Ok(last.unwrap_or(0) + 1)
}

fn fields_json(f: &AnnotationFields) -> String {
    serde_json::to_string(f).expect("annotation fields always serialise")
}

async fn set_once(
    db: &DatabaseConnection,
    key: &Key,
    fields: &AnnotationFields,
    actor: &str,
) -> Result<Annotation, DbErr> {
    let txn = db.begin().await?;
    let now = zonetrail_model::to_micros(Utc::now());
    let existing = locked_row(&txn, key).await?;
    let (saved, before) = match existing {
        Some(row) => {
            let old = Annotation::from(row.clone());
            if old.fields == *fields {
                txn.commit().await?;
                return Ok(old);
            }
            let mut active: annotations::ActiveModel = row.into();
            active.owner = Set(fields.owner.clone());
            active.team = Set(fields.team.clone());
            active.ticket = Set(fields.ticket.clone());
            active.notes = Set(fields.notes.clone());
            active.version = Set(old.version + 1);
            active.updated_by = Set(actor.to_owned());
            active.updated_at = Set(now);
            (active.update(&txn).await?, Some(old.fields))
        }
        None => {
            let version = next_version(&txn, key).await?;
            let active = annotations::ActiveModel {
                zone_id: Set(key.zone_id.clone()),
                name: Set(key.name.clone()),
                record_type: Set(key.record_type.clone()),
                set_identifier: Set(key.set_identifier.clone()),
                owner: Set(fields.owner.clone()),
                team: Set(fields.team.clone()),
                ticket: Set(fields.ticket.clone()),
                notes: Set(fields.notes.clone()),
                version: Set(version),
                updated_by: Set(actor.to_owned()),
                updated_at: Set(now),
                ..Default::default()
            };
            (active.insert(&txn).await?, None)
        }
    };
    keep_edit(&txn, key, saved.version, before.as_ref(), Some(fields), actor, now).await?;
    txn.commit().await?;
    Ok(Annotation::from(saved))
}

async fn clear_once(db: &DatabaseConnection, key: &Key, actor: &str) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let Some(row) = locked_row(&txn, key).await? else {
        txn.commit().await?;
        return Ok(false);
    };
    let now = zonetrail_model::to_micros(Utc::now());
    let old = Annotation::from(row.clone());
    annotations::Entity::delete_by_id(row.id).exec(&txn).await?;
    keep_edit(&txn, key, old.version + 1, Some(&old.fields), None, actor, now).await?;
    txn.commit().await?;
    Ok(true)
}

async fn keep_edit<C: ConnectionTrait>(
    txn: &C,
    key: &Key,
    version: i64,
    before: Option<&AnnotationFields>,
    after: Option<&AnnotationFields>,
    actor: &str,
    at: zonetrail_model::Timestamp,
) -> Result<(), DbErr> {
    annotation_changes::ActiveModel {
        zone_id: Set(key.zone_id.clone()),
        name: Set(key.name.clone()),
        record_type: Set(key.record_type.clone()),
        set_identifier: Set(key.set_identifier.clone()),
        version: Set(version),
        before_state: Set(before.map(fields_json)),
        after_state: Set(after.map(fields_json)),
        actor: Set(actor.to_owned()),
        changed_at: Set(at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}
