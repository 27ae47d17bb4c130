//! `/healthz`: the API is up and reaches its database.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

use crate::error::ErrorBody;
use crate::names::NameIndex;
use crate::{ApiResult, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` (an unreachable database answers 503).
    #[schema(schema_with = status_schema)]
    pub status: &'static str,
    /// The in-memory name index that answers `q`: `ready`, `building` (until then `q`
    /// scans the database), `not built` (built on the first `q`) or `off`.
    #[schema(schema_with = name_index_schema)]
    pub name_index: &'static str,
}

fn status_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["ok"]))
        .description(Some("Always `ok` (an unreachable database answers 503)."))
}

fn name_index_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(NameIndex::STATUSES))
        .description(Some(
            "The in-memory name index that answers `q`: `ready`, `building` (until then `q` scans the database), `not built` (built on the first `q`) or `off`.",
        ))
        .examples(["ready"])
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
