//! `POST /local/events`: the local stand-in for the EventBridge rule. It takes the same
//! EventBridge JSON the ingest Lambda gets, and only from this machine.

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use zonetrail_ingest::{EventError, EventOutcome, ResourceEventOutcome, ingest_event};

/// The largest event accepted: CloudTrail itself drops events over 256 KB.
pub const MAX_EVENT_BYTES: usize = 512 * 1024;

pub async fn post_event(
    State(ingest): State<Arc<zonetrail_ingest::State>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> Response {
    if !peer.ip().is_loopback() {
        return error(
            StatusCode::FORBIDDEN,
            format!("/local/events only accepts events from this machine, not {}", peer.ip()),
        );
    }
    let event: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")),
    };
    match ingest_event(&ingest, &event).await {
        Ok(outcome) => (StatusCode::ACCEPTED, Json(outcome_json(&outcome))).into_response(),
        Err(e @ EventError::Malformed(_)) => {
            error(StatusCode::BAD_REQUEST, format!("rejected: {e}"))
        }
        Err(e) => {
            tracing::error!(error = %e, "event not applied");
            error(StatusCode::SERVICE_UNAVAILABLE, format!("not applied: {e}"))
        }
    }
}

pub fn outcome_json(outcome: &EventOutcome) -> Value {
    match outcome {
        EventOutcome::Applied { event_id, event_name, zone_id, messages, sweep } => json!({
            "status": "applied",
            "event_id": event_id,
            "event_name": event_name,
            "zone_id": zone_id,
            "messages": messages,
            "targeted_sweep": sweep.is_some(),
        }),
        EventOutcome::Resources(ResourceEventOutcome::Relisted {
            event_id,
            event_name,
            account_id,
            region,
            listings,
        }) => json!({
            "status": "applied",
            "event_id": event_id,
            "event_name": event_name,
            "account_id": account_id,
            "region": region,
            "relisted": listings
                .iter()
                .map(|(kind, items)| (kind.as_str().to_owned(), json!(items)))
                .collect::<serde_json::Map<String, Value>>(),
        }),
        EventOutcome::Resources(ResourceEventOutcome::Ignored { event_id, event_name, reason })
        | EventOutcome::Ignored { event_id, event_name, reason } => json!({
            "status": "ignored",
            "event_id": event_id,
            "event_name": event_name,
            "reason": reason.to_string(),
        }),
    }
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
