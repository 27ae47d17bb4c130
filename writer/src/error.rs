use sea_orm::DbErr;
use zonetrail_model::{MessageError, ZoneId};

/// Why a message was not applied. [`ApplyError::is_retryable`] tells the caller whether the
/// same message may succeed later (return it to the queue) or never will (poison: after the
/// queue's max receives it lands in the DLQ, where an operator can read the reason).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The body is not a v1 message.
    #[error("cannot decode the message: {0}")]
    Decode(#[from] MessageError),
    /// The message decodes but breaks the contract (ambiguous keys, a future timestamp, a
    /// field longer than its column).
    #[error("the message breaks the contract: {0}")]
    Invalid(String),
    /// A `sweep_done` whose pages have not all been applied yet: retry later.
    #[error(
        "sweep {sweep_id} of zone {zone_id} is not complete yet: {pages_applied} of {pages_expected} pages and {record_sets_applied} of {record_sets_expected} record sets applied"
    )]
    SweepIncomplete {
        zone_id: ZoneId,
        sweep_id: String,
        pages_applied: u64,
        pages_expected: u64,
        record_sets_applied: u64,
        record_sets_expected: u64,
    },
    /// The database failed or is unreachable: retry later.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// Stored rows contradict each other (a bug or a manual edit); retried, and reported.
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(String),
}

impl ApplyError {
    /// True when delivering the same message again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::SweepIncomplete { .. } | Self::Database(_) | Self::Inconsistent(_))
    }

    /// True when the database failed this transaction to resolve a conflict with a concurrent
    /// one: a deadlock (MySQL 1213), a lock wait timeout (1205), or a duplicate key (1062: a
    /// record a concurrent message created after this one looked). Trying again resolves it.
    pub fn is_conflict(&self) -> bool {
        match self {
            Self::Database(e) => {
                matches!(zonetrail_model::db::mysql_error_number(e), Some(1213 | 1205 | 1062))
            }
            _ => false,
        }
    }

    /// True when the database itself could not be reached: the following messages of a batch
    /// would fail the same way, so a caller may stop trying them.
    pub fn is_outage(&self) -> bool {
        match self {
            Self::Database(e) => is_outage(e),
            _ => false,
        }
    }
}

fn is_outage(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                Sqlx::Database(d) => {
                    if let Some(number) = zonetrail_model::db::mysql_number(d.as_ref()) {
                        // Unknown database, too many connections, server shutdown, gone away,
                        // lost connection, read-only (an Aurora failover in progress).
                        return matches!(number, 1049 | 1040 | 1053 | 2006 | 2013 | 1290 | 1836);
                    }
                    // SQLite primary codes: disk I/O error, database corrupt or not a database,
                    // cannot open the file, read-only, busy beyond the timeout.
                    let primary = d.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
                    matches!(primary, Some(10 | 11 | 14 | 26 | 8 | 5))
                }
                _ => false,
            }
        }
        _ => false,
    }
}
