//! The OpenAPI 3.1 document, generated from the handlers and types by utoipa.

use axum::http::header;
use axum::response::IntoResponse;
use bytes::Bytes;
use std::sync::LazyLock;
use utoipa::OpenApi;

use crate::{error, health, history, records, stats, zones};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zonetrail",
        description = "Read API of the zonetrail inventory: every DNS record set in every Route 53 hosted zone of an AWS account, with its change history.\n\nLists answer `{\"items\": [...], \"next_cursor\": \"...\" | null}`; pass `next_cursor` back as `cursor` for the next page. Errors answer `{\"error\": \"...\"}`: 4xx for bad input, 503 when the database is unavailable."
    ),
    paths(
        health::healthz,
        stats::stats,
        zones::list_zones,
        records::list_records,
        records::get_record,
        records::csv::export_csv,
        history::record_history,
        history::change_feed,
        openapi_json,
    ),
    components(schemas(error::ErrorBody)),
    tags(
        (name = "records", description = "Record sets: list, filter, look up, export"),
        (name = "history", description = "Change history of one record set, and the account-wide feed"),
        (name = "inventory", description = "Zones and counts"),
        (name = "meta", description = "Health and this document"),
    )
)]
pub struct ApiDoc;

static DOCUMENT: LazyLock<Bytes> = LazyLock::new(|| {
    Bytes::from(ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document always serialises"))
});

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT.clone())
}
