//! The schema on real databases: SQLite (the embedded default) and MariaDB (MySQL behaviour).

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use sea_orm_migration::MigratorTrait;
use zonetrail_model::entity::record_sets;
use zonetrail_model::testing::{BACKENDS, database};

async fn insert_record(
    db: &impl ConnectionTrait,
    name: &str,
    set_identifier: &str,
) -> Result<(), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO record_sets (zone_id, name, reversed_name, record_type, set_identifier, observed_at) VALUES (?, ?, ?, 'A', ?, ?)",
        [
            "Z1".into(),
            name.into(),
            "com.example.www.".into(),
            set_identifier.into(),
            zonetrail_model::to_micros(chrono::Utc::now()).into(),
        ],
    ))
    .await
    .map(|_| ())
}

#[tokio::test]
async fn up_down_up_on_every_backend() {
    for backend in BACKENDS {
        let db = database(backend).await;
        migration::Migrator::up(&db.conn, None)
            .await
            .unwrap_or_else(|e| panic!("{backend:?} up: {e}"));
        migration::Migrator::down(&db.conn, None)
            .await
            .unwrap_or_else(|e| panic!("{backend:?} down: {e}"));
        migration::Migrator::up(&db.conn, None)
            .await
            .unwrap_or_else(|e| panic!("{backend:?} up again: {e}"));
        assert!(migration::Migrator::get_pending_migrations(&db.conn).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn weighted_sets_are_two_rows_and_the_same_key_is_one() {
    for backend in BACKENDS {
        let db = database(backend).await;
        migration::Migrator::up(&db.conn, None).await.unwrap();
        insert_record(&db.conn, "www.example.com.", "blue").await.unwrap();
        insert_record(&db.conn, "www.example.com.", "green").await.unwrap();
        // A set identifier differing only in case is a different set in Route 53.
        insert_record(&db.conn, "www.example.com.", "Blue").await.unwrap();
        insert_record(&db.conn, "www.example.com.", "").await.unwrap();
        let dup = insert_record(&db.conn, "www.example.com.", "blue").await;
        assert!(dup.is_err(), "{backend:?}: the same key twice must violate the unique key");
        let dup_simple = insert_record(&db.conn, "www.example.com.", "").await;
        assert!(
            dup_simple.is_err(),
            "{backend:?}: a simple record's key ('' identifier) is unique too"
        );
        let rows = record_sets::Entity::find().all(&db.conn).await.unwrap();
        assert_eq!(rows.len(), 4, "{backend:?}");
    }
}

#[tokio::test]
async fn timestamps_keep_microseconds() {
    use chrono::TimeZone;
    for backend in BACKENDS {
        let db = database(backend).await;
        migration::Migrator::up(&db.conn, None).await.unwrap();
        let at = chrono::Utc.timestamp_micros(1_763_800_000_123_456).unwrap();
        db.conn
            .execute_raw(Statement::from_sql_and_values(
                db.conn.get_database_backend(),
                "INSERT INTO record_sets (zone_id, name, reversed_name, record_type, set_identifier, observed_at) VALUES ('Z1', 'a.example.', 'example.a.', 'A', '', ?)",
                [at.into()],
            ))
            .await
            .unwrap();
        let row = record_sets::Entity::find().one(&db.conn).await.unwrap().unwrap();
        assert_eq!(row.observed_at, at, "{backend:?}");
        if backend == zonetrail_model::testing::Backend::MySql {
            let ddl = db
                .conn
                .query_one_raw(Statement::from_string(
                    DbBackend::MySql,
                    "SHOW CREATE TABLE record_sets",
                ))
                .await
                .unwrap()
                .unwrap();
            let ddl: String = ddl.try_get_by_index(1).unwrap();
            assert!(ddl.contains("datetime(6)"), "{ddl}");
        }
    }
}

/// A rotated RDS secret shows up as MySQL error 1045 on connect; the Lambdas end their
/// instance on it (`exit_if_credentials_stale`) so that a fresh one reads the new password.
/// Other failures (an unknown database, a bad statement) must not be taken for it.
#[tokio::test]
async fn a_refused_password_is_told_apart_from_other_failures() {
    use zonetrail_model::db::{DbSettings, is_access_denied};
    let server = zonetrail_model::testing::mysql_server_url();
    let rest = server.trim_start_matches("mysql://");
    let (creds, host) = rest.split_once('@').unwrap_or(("root", rest));
    let user = creds.split(':').next().unwrap_or("root");
    let host = host.trim_end_matches('/');

    let wrong = DbSettings {
        url: format!("mysql://{user}:not-the-password@{host}/mysql").into(),
        max_connections: 1,
    };
    let err = wrong.connect().await.expect_err("a wrong password must be refused");
    assert!(is_access_denied(&err), "not recognised as a refused password: {err:?}");

    let unknown_db = DbSettings {
        url: format!("{}/zt_no_such_database", server.trim_end_matches('/')).into(),
        max_connections: 1,
    };
    let err = unknown_db.connect().await.expect_err("an unknown database must be refused");
    assert!(!is_access_denied(&err), "an unknown database taken for a refused password: {err:?}");

    let db = database(zonetrail_model::testing::Backend::MySql).await;
    let err = db.conn.execute_unprepared("SELEKT 1").await.expect_err("a bad statement fails");
    assert!(!is_access_denied(&err), "a bad statement taken for a refused password: {err:?}");
}
