//! `/healthz`: the API is up and reaches its database.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::{ApiResult, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The in-memory name index that answers `q`: `ready`, `building` (until then `q`
    /// scans the database), `not built` (built on the first `q`) or `off`.
    #[schema(example = "ready")]
    pub name_index: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses(
        (status = 200, description = "Up, and the database answers", body = Health),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.db.ping().await?;
    Ok(Json(Health { status: "ok", name_index: state.names.status() }))
}
