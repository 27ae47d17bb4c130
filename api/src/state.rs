//! What every handler shares: the database pool and the configuration, built once at start-up.

use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::ApiConfig;
use crate::counts::LiveCounts;
use crate::names::NameIndex;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<ApiConfig>,
    /// Live record counts, kept between requests (see `counts`).
    pub counts: Arc<LiveCounts>,
    /// The names for `q` (see `names`), built on first use or by [`AppState::prepare`].
    pub names: Arc<NameIndex>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: ApiConfig) -> Self {
        Self {
            db,
            counts: Arc::new(LiveCounts::new(config.counts_max_age)),
            names: Arc::new(NameIndex::new(config.name_index)),
            config: Arc::new(config),
        }
    }

    /// Start building what the first requests would otherwise wait for or scan without (a
    /// long-running server calls this at start; a Lambda instance builds on first use).
    pub fn prepare(&self) {
        self.names.prepare(&self.db);
    }
}
