//! Integration tests of the writer against real databases: SQLite and MariaDB
//! (`ZONETRAIL_TEST_MYSQL_URL`). Every case runs on both.

mod accounts;
mod backfill;
mod comments;
mod findings;
mod findings_queue;
mod lambda;
mod migration;
mod notify_aws;
mod notify_lambda;
mod outbox;
mod property;
mod scenarios;
mod support;
