use sea_orm::entity::prelude::*;

/// AWS's published EC2 address ranges as fetched by the resource sweep (migration 12). The
/// newest `fetched_at` answers; with no row, the copy shipped in the binary does.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ip_ranges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sync_token: String,
    /// `createDate` of the document (`YYYY-MM-DD-hh-mm-ss`).
    pub create_date: String,
    pub fetched_at: DateTimeUtc,
    /// The EC2 prefixes as JSON: `[{"cidr": "3.5.140.0/22", "region": "ap-northeast-2"}, ...]`.
    pub prefixes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
