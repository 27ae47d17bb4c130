//! The deploy-time migration Lambda: a CDK trigger invokes it once per deploy.
#![recursion_limit = "256"]
use lambda_runtime::{Error, LambdaEvent, service_fn};
use sea_orm_migration::MigratorTrait;

#[tokio::main]
async fn main() -> Result<(), Error> {
    zonetrail_model::telemetry::init_lambda_tracing();
    let settings = zonetrail_model::db::DbSettings::from_env().await?;
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| {
        let settings = settings.clone();
        async move {
            // Connect per invocation: a trigger runs once per deploy, and the cluster may
            // only just have become reachable.
            let db = settings
                .connect()
                .await
                .inspect_err(zonetrail_model::db::exit_if_credentials_stale)?;
            migration::Migrator::up(&db, None).await?;
            tracing::info!("migrations applied");
            Ok::<_, Error>(serde_json::json!({"status": "migrated"}))
        }
    }))
    .await
}
