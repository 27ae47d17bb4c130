//! What every handler shares: the database pool and the configuration, built once at start-up.

use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::ApiConfig;
use crate::counts::LiveCounts;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<ApiConfig>,
    /// Live record counts, kept between requests (see `counts`).
    pub counts: Arc<LiveCounts>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: ApiConfig) -> Self {
        Self { db, counts: Arc::new(LiveCounts::new(config.counts_max_age)), config: Arc::new(config) }
    }
}
