//! `/api/records`, `/api/records/{id}` and `/api/records.csv`.

pub mod csv;
pub mod filter;
pub mod query;
pub mod view;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::extract::{ApiPath, ApiQuery, parse_id};
use crate::page::parse_limit;
use crate::{ApiError, ApiResult, AppState};
use filter::{RecordFilter, RecordParams};
use view::RecordView;

/// A page of record sets.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<RecordView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// List record sets, filtered, one page at a time.
#[utoipa::path(
    get,
    path = "/api/records",
    tag = "records",
    params(RecordParams),
    responses(
        (status = 200, description = "A page of record sets, in a stable order", body = RecordList),
        (status = 400, description = "A bad filter, limit, cursor or `as_of`", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn list_records(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<RecordParams>,
) -> ApiResult<Response> {
    if let Some(as_of) = crate::timetravel::routes::non_empty(params.as_of.as_deref()) {
        return crate::timetravel::routes::list_records_as_of(&state, &params, as_of).await;
    }
    let filter = RecordFilter::parse(&params)?;
    let limit = parse_limit(params.limit.as_deref())?;
    let budget = query::Budget { limit, q_scan: state.config.q_scan_budget };
    let page = query::list_records(
        &state.db,
        Some(&state.names),
        &filter,
        params.cursor.as_deref(),
        budget,
    )
    .await?;
    // A `RecordList`, written by hand: each record's stored JSON is copied, not re-parsed.
    let mut body = Vec::with_capacity(64 + page.items.len() * 700);
    body.extend_from_slice(b"{\"items\":[");
    for (i, row) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        row.write_json(&mut body, page.extras_of(row.id));
    }
    body.extend_from_slice(b"],\"next_cursor\":");
    serde_json::to_writer(&mut body, &page.next_cursor).expect("a cursor always serialises");
    body.push(b'}');
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body)
        .into_response())
}

/// One record set by id (deleted ones included).
#[utoipa::path(
    get,
    path = "/api/records/{id}",
    tag = "records",
    params(("id" = i64, Path, description = "The record set's id", minimum = 1)),
    responses(
        (status = 200, description = "The record set", body = RecordView),
        (status = 400, description = "The id is not a positive whole number", body = ErrorBody),
        (status = 404, description = "No record set has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn get_record(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RecordView>> {
    let id = parse_id(&id, "record id")?;
    query::get_record(&state.db, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no record set has id {id}")))
}
