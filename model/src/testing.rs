//! Test databases: each test gets its own, so tests run in parallel.
//!
//! MariaDB comes from `ZONETRAIL_TEST_MYSQL_URL` (the test command `scripts/test` starts the
//! server and sets it). A test that needs it fails with a clear message when it is missing;
//! it never skips silently.

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::db::DbSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::MySql];

pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub conn: DatabaseConnection,
}

fn unique_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!(
        "zt_test_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The MariaDB server URL (no database), or a panic that says how to get one.
pub fn mysql_server_url() -> String {
    std::env::var("ZONETRAIL_TEST_MYSQL_URL").unwrap_or_else(|_| {
        panic!("ZONETRAIL_TEST_MYSQL_URL is not set: this test needs MariaDB. Run it through scripts/test, which starts MariaDB, or set ZONETRAIL_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306")
    })
}

/// The local AWS emulator's endpoint, or a panic that says how to get one.
pub fn aws_endpoint() -> String {
    std::env::var("ZONETRAIL_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!("ZONETRAIL_TEST_AWS_ENDPOINT is not set: this test needs the moto server. Run it through scripts/test, which starts it")
    })
}

pub async fn database(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => sqlite_db().await,
        Backend::MySql => mysql_db().await,
    }
}

/// A fresh, empty MariaDB database.
pub async fn mysql_db() -> TestDb {
    let server = mysql_server_url();
    let name = unique_name();
    let admin = DbSettings { url: server.clone().into(), max_connections: 1 }
        .connect()
        .await
        .unwrap_or_else(|e| {
            panic!("cannot reach MariaDB at {server}: {e}. Is it running? scripts/test starts it")
        });
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let url = format!("{}/{name}", server.trim_end_matches('/'));
    let conn = DbSettings::from_url(url.clone()).connect().await.expect("connect to test database");
    TestDb { backend: Backend::MySql, url, conn }
}

/// A fresh SQLite database in a file (a file, not `:memory:`, so every pooled connection
/// sees the same database).
pub async fn sqlite_db() -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let conn =
        DbSettings::from_url(url.clone()).connect().await.expect("open SQLite test database");
    TestDb { backend: Backend::Sqlite, url, conn }
}
