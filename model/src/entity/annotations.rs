use sea_orm::entity::prelude::*;

/// Who owns a record set or a hosted zone (migration 13), keyed by the record key so that it
/// survives sweeps, value changes and a delete followed by a re-create. A zone's annotation
/// has `name` and `record_type` `''`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annotations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: String,
    /// `''` for the zone's own annotation.
    pub name: String,
    /// `''` for the zone's own annotation.
    pub record_type: String,
    /// `''` for none.
    pub set_identifier: String,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub ticket: Option<String>,
    pub notes: Option<String>,
    /// The key's edits so far (it keeps counting across a clear).
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
