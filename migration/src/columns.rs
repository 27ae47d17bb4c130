//! Column helpers that give each backend the type it needs.
//!
//! MySQL/MariaDB: timestamps are `DATETIME(6)` (microseconds; a bare DATETIME drops them),
//! names are ASCII with a binary collation (Route 53 names are ASCII once escaped, and a
//! binary collation keeps `Blue` and `blue` set identifiers distinct), tables are utf8mb4_bin.
//! SQLite: its own affinities; comparisons are binary by default.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub fn is_mysql(manager: &SchemaManager) -> bool {
    manager.get_database_backend() == DatabaseBackend::MySql
}

/// A timestamp with microseconds.
pub fn timestamp(manager: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if is_mysql(manager) {
        def.custom(Alias::new("DATETIME(6)"));
    } else {
        def.date_time();
    }
    def
}

/// A DNS name column: ASCII, binary collation, indexable at full length on MySQL.
pub fn dns_name(manager: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if is_mysql(manager) {
        def.custom(Alias::new("VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin"));
    } else {
        def.string_len(1024);
    }
    def
}

/// An AWS account id: 12 ASCII digits.
pub fn account_id(manager: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if is_mysql(manager) {
        def.custom(Alias::new("CHAR(12) CHARACTER SET ascii COLLATE ascii_bin"));
    } else {
        def.string_len(12);
    }
    def
}

/// A `TEXT` column for JSON documents (portable; the API and writer parse it with serde).
pub fn json_text(manager: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if is_mysql(manager) {
        // MEDIUMTEXT: a record set may hold up to 32,000 characters of values.
        def.custom(Alias::new("MEDIUMTEXT"));
    } else {
        def.text();
    }
    def
}

/// A binary column; MEDIUMBLOB on MySQL (up to 16 MiB: a 1 MiB message of 3,000 record sets
/// made about 150 kB of blob).
pub fn blob(manager: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if is_mysql(manager) {
        def.custom(Alias::new("MEDIUMBLOB"));
    } else {
        def.blob();
    }
    def
}

/// Table options: InnoDB, utf8mb4 with a binary collation on MySQL; nothing on SQLite.
pub fn table(manager: &SchemaManager, name: impl IntoTableRef) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name).if_not_exists();
    if is_mysql(manager) {
        t.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
    }
    t
}

/// Alter a table. On SQLite the statement runs in a transaction that reads the schema first:
/// a pooled connection that has not read since another one altered the table parses
/// `DROP COLUMN` against its stale schema and answers "no such column" (SQLite checks the
/// schema's version only when a statement runs, and an `ALTER` fails while it is prepared).
pub async fn alter(manager: &SchemaManager<'_>, stmt: TableAlterStatement) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};
    if manager.get_database_backend() != DatabaseBackend::Sqlite {
        return manager.alter_table(stmt).await;
    }
    let txn = manager.get_connection().begin().await?;
    txn.execute_unprepared("SELECT COUNT(*) FROM sqlite_master").await?;
    txn.execute(&stmt).await?;
    txn.commit().await
}

/// Drop one column, through [`alter`].
pub async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    alter(manager, Table::alter().table(table).drop_column(column).to_owned()).await
}

/// An index as (name, table, columns).
pub type IndexSpec = (&'static str, &'static str, &'static [&'static str]);

/// Create each index if it does not exist.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: &[IndexSpec],
) -> Result<(), DbErr> {
    create_each(manager, indexes, false).await
}

/// Create each unique index if it does not exist.
pub async fn create_unique_indexes(
    manager: &SchemaManager<'_>,
    indexes: &[IndexSpec],
) -> Result<(), DbErr> {
    create_each(manager, indexes, true).await
}

async fn create_each(
    manager: &SchemaManager<'_>,
    indexes: &[IndexSpec],
    unique: bool,
) -> Result<(), DbErr> {
    for (name, table, cols) in indexes {
        // Checked, not only `IF NOT EXISTS`: MySQL's CREATE INDEX has no such clause.
        if manager.has_index(*table, *name).await? {
            continue;
        }
        let mut idx = Index::create();
        idx.if_not_exists().name(*name).table(Alias::new(*table));
        if unique {
            idx.unique();
        }
        for col in *cols {
            idx.col(Alias::new(*col));
        }
        manager.create_index(idx.to_owned()).await?;
    }
    Ok(())
}

/// Drop each index.
pub async fn drop_indexes(manager: &SchemaManager<'_>, indexes: &[IndexSpec]) -> Result<(), DbErr> {
    for (name, table, _) in indexes {
        manager.drop_index(Index::drop().name(*name).table(Alias::new(*table)).to_owned()).await?;
    }
    Ok(())
}
