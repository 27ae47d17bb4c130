//! Live record counts per zone and type, for `/api/stats` and `/api/zones`.
//!
//! Counting a million live records reads a whole index (`idx_record_sets_live_zone_type`,
//! a few hundred milliseconds on MySQL), too slow for every dashboard load. So counts are
//! kept for `ApiConfig::counts_max_age`: a request within that age gets the kept counts; the
//! first request after it still gets them at once while one background task recounts; only
//! the very first request of a process waits for a count.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use zonetrail_model::entity::record_sets;

use crate::ApiResult;

#[derive(Debug, Clone, FromQueryResult)]
pub struct CountRow {
    pub zone_id: String,
    pub record_type: String,
    pub n: i64,
}

pub type Counts = Arc<Vec<CountRow>>;

pub struct LiveCounts {
    max_age: Duration,
    kept: RwLock<Option<(Instant, Counts)>>,
    first: tokio::sync::Mutex<()>,
    recounting: AtomicBool,
}

impl LiveCounts {
    /// `max_age` zero: count on every request.
    pub fn new(max_age: Duration) -> Self {
        Self {
            max_age,
            kept: RwLock::new(None),
            first: tokio::sync::Mutex::new(()),
            recounting: AtomicBool::new(false),
        }
    }

    pub async fn get(self: &Arc<Self>, db: &DatabaseConnection) -> ApiResult<Counts> {
        if self.max_age.is_zero() {
            return Ok(Arc::new(count(db).await?));
        }
        if let Some((taken, counts)) = self.kept() {
            if taken.elapsed() >= self.max_age && !self.recounting.swap(true, Ordering::AcqRel) {
                let this = self.clone();
                let db = db.clone();
                tokio::spawn(async move {
                    match count(&db).await {
                        Ok(rows) => {
                            this.keep(rows);
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "recounting live records failed; keeping the previous counts")
                        }
                    }
                    this.recounting.store(false, Ordering::Release);
                });
            }
            return Ok(counts);
        }
        // Nothing kept yet: one request counts, the others wait for its result.
        let _first = self.first.lock().await;
        if let Some((_, counts)) = self.kept() {
            return Ok(counts);
        }
        let rows = count(db).await?;
        Ok(self.keep(rows))
    }

    fn kept(&self) -> Option<(Instant, Counts)> {
        self.kept.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn keep(&self, rows: Vec<CountRow>) -> Counts {
        let counts = Arc::new(rows);
        *self.kept.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), counts.clone()));
        counts
    }
}

/// Live record sets per (zone, type), read from `idx_record_sets_live_zone_type` alone.
async fn count(db: &impl ConnectionTrait) -> ApiResult<Vec<CountRow>> {
    let mut q = Query::select();
    q.columns([record_sets::Column::ZoneId, record_sets::Column::RecordType])
        .expr_as(Func::count(Expr::col(record_sets::Column::Id)), Alias::new("n"))
        .from(record_sets::Entity)
        .and_where(Expr::col(record_sets::Column::DeletedAt).is_null())
        .group_by_columns([record_sets::Column::ZoneId, record_sets::Column::RecordType]);
    Ok(db
        .query_all(&q)
        .await?
        .iter()
        .map(|r| CountRow::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?)
}
