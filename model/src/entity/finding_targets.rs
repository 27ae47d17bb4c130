use sea_orm::entity::prelude::*;

/// The findings' reverse index (migration 12): one row per thing a live record points at that
/// a finding depends on (`ip:203.0.113.7`, `s3:bucket`, `cloudfront:d1.cloudfront.net`,
/// `eb:prefix.region`, `hc:<id>`, `zone:<name>`, `name:<zone id>/<name>`), so a change on the
/// resource side re-evaluates exactly the records that point at it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "finding_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub target: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
