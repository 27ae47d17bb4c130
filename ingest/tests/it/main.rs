//! Integration tests of the ingest, through the real AWS SDK: moto (`ZONETRAIL_TEST_AWS_ENDPOINT`)
//! for Route 53 and SQS, and our own fake Route 53 where moto is wrong.

mod accounts;
mod backfill;
mod events;
mod fake_cloudtrail;
mod lambda;
mod resources;
mod sqs;
mod support;
mod sweep_accounts;
mod sweep_fake;
mod sweep_moto;
