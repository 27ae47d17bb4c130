//! End-to-end tests of the `zonetrail` binary: the real executable, against moto (Route 53,
//! SQS) and a real database, SQLite and MariaDB. Each test works in a moto account of its own
//! and a database of its own, so tests run in parallel. They need `ZONETRAIL_TEST_AWS_ENDPOINT`
//! and `ZONETRAIL_TEST_MYSQL_URL` (scripts/test sets both) and fail, saying so, without them.

mod account;
mod fixture;
mod inventory;
mod process;
mod records;

mod accounts;
mod backfill;
mod drain;
mod export;
mod findings;
mod ingest_event;
mod notify;
mod publisher;
mod shutdown;
mod sweep_serve;
mod up_events;

// Reliability: the pipeline under faults (issue 8).
mod chaos;
