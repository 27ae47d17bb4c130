//! `writer-lambda`: applies the main queue's batches (SQS event source with
//! `ReportBatchItemFailures`), and answers the backfill's direct
//! `{"backfill_windows": {...}}` invocations and the scheduled `{"notify": {}}` (publish the
//! notifications due; `ZONETRAIL_NOTIFY=eventbridge`). The pool, and the EventBridge client
//! when notifications are on, are made once here, at init.
use lambda_runtime::{Error, LambdaEvent, service_fn};
use zonetrail_writer::lambda::{State, handle_invocation};

#[tokio::main]
async fn main() -> Result<(), Error> {
    zonetrail_model::telemetry::init_lambda_tracing();
    let state = State::from_env().await?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| handle_invocation(state, event)))
        .await
}
