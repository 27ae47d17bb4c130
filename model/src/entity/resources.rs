use sea_orm::entity::prelude::*;

/// A resource the resource sweep or a resource event saw (migration 12): an Elastic IP, a
/// network interface address, an S3 bucket, a CloudFront distribution, an Elastic Beanstalk
/// environment or a Route 53 health check. A tombstone (`deleted_at`) once a complete listing
/// of its kind, account and region no longer holds it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `zonetrail_model::ResourceKind` as text (`eip`, `eni`, `s3_bucket`, ...).
    pub kind: String,
    pub account_id: String,
    /// `''` for a global kind (S3 bucket names, CloudFront, health checks).
    pub region: String,
    /// What a record points at, in `lookup_key` form: the IP, the bucket name, the
    /// distribution's `dxxxx.cloudfront.net`, the environment's CNAME, the health check id.
    pub resource_key: String,
    /// AWS's id for it: allocation id, ENI id, bucket name, distribution id, environment id,
    /// health check id.
    pub resource_id: String,
    /// Kind-specific detail as JSON.
    pub detail: Option<String>,
    /// The start of the listing (or the event time) that last saw it.
    pub observed_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
