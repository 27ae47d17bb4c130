//! Integration tests of the writer against real databases: SQLite and MariaDB
//! (`ZONETRAIL_TEST_MYSQL_URL`). Every case runs on both.

mod accounts;
mod backfill;
mod lambda;
mod migration;
mod outbox;
mod property;
mod scenarios;
mod support;
