use sea_orm::entity::prelude::*;

/// A suppression (migration 12): findings of `kind` on this record key stay `suppressed`
/// across re-evaluations, until the suppression is removed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "finding_suppressions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub zone_id: String,
    pub name: String,
    pub record_type: String,
    /// `''` for none.
    pub set_identifier: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
