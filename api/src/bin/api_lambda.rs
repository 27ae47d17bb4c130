//! The read API on Lambda, behind an API Gateway HTTP API (payload v2).

use anyhow::Context;
use api::{ApiConfig, AppState};
use zonetrail_model::db::DbSettings;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    zonetrail_model::telemetry::init_lambda_tracing();
    let config = ApiConfig::from_env().context("reading the API configuration")?;
    let db = DbSettings::from_env()
        .await
        .context("reading the database settings")?
        .connect()
        .await
        .context("connecting to the database")?;
    lambda_http::run(api::router(AppState::new(db, config))).await
}
