use sea_orm::entity::prelude::*;

/// One finding episode (migration 12): raised when first seen, resolved with a reason, kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "findings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `dangling_ip`, `dangling_s3_website`, ... (`zonetrail_findings::Kind`).
    pub kind: String,
    /// `high` or `medium`.
    pub severity: String,
    /// `open`, `suppressed` or `resolved`.
    pub status: String,
    pub record_id: i64,
    pub zone_id: String,
    pub name: String,
    pub record_type: String,
    /// `''` for none.
    pub set_identifier: String,
    /// The zone's account, when known.
    pub account_id: Option<String>,
    /// What the finding is about within the record (the IP, the bucket, the target name...),
    /// so one record can hold one finding per dangling value.
    pub subject: String,
    /// Kind-specific evidence as JSON.
    pub evidence: String,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_reason: Option<String>,
    /// `record_id|kind|subject` while open or suppressed, `None` once resolved (unique).
    pub open_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
