//! The read API on Lambda, behind an API Gateway HTTP API (payload v2).

use anyhow::Context;
use api::{ApiConfig, AppState};
use zonetrail_model::db::DbSettings;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    zonetrail_model::telemetry::init_lambda_tracing();
    let mut config = ApiConfig::from_env().context("reading the API configuration")?;
    // Behind API Gateway's JWT authorizer: editors are named by the verified claims.
    config.edits = api::EditPolicy::claims_from_env().context("reading the editor claim")?;
    let db = DbSettings::from_env()
        .await
        .context("reading the database settings")?
        .connect()
        .await
        .context("connecting to the database")?;
    lambda_http::run(api::router(AppState::new(db, config))).await
}
