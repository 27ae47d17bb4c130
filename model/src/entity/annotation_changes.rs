use sea_orm::entity::prelude::*;

/// One edit of an annotation (migration 13): the key, who, when, and the annotation before
/// and after as JSON (`None` for none: a first set, or a clear).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annotation_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: String,
    pub name: String,
    pub record_type: String,
    pub set_identifier: String,
    /// The annotation's version after this edit.
    pub version: i64,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub actor: String,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
