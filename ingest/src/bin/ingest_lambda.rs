//! The ingest Lambda: the schedule, CloudTrail events and the sweep queue all land here.

use lambda_runtime::{Error, service_fn};
use zonetrail_ingest::{State, lambda};

#[tokio::main]
async fn main() -> Result<(), Error> {
    zonetrail_model::telemetry::init_lambda_tracing();
    // Settings and clients are built once, at init; a bad setting fails the cold start.
    let state = State::from_env().await?;
    lambda_runtime::run(service_fn(|event| lambda::handle(&state, event))).await
}
